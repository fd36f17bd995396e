package diagnose

import (
	"fmt"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// stopped builds a stopped instance with the given codes.
func stopped(reason api.StopReason, exit int, code api.StopCode, uptimeMs int64) api.Instance {
	return api.Instance{Name: "openfga", State: api.StateStopped, StopReason: reason, ExitCode: exit, StopCode: code,
		UptimeMs: uptimeMs, MemoryMB: 256, Args: []string{"/usr/bin/openfga", "run"}, RestartPolicy: api.RestartNever}
}

const (
	appExited = api.StopApp | api.StopKernel // 3 ----AK
	// cleanRunning is a kernel stop_code with reason OK at initlevel 127:
	// what kraftkit prints as "stop reason: shutdown".
	cleanRunning = api.StopCode(0x7F00)
)

// migrateExit1 is a migrate instance whose app gave up with exit code 1.
var migrateExit1 = api.Instance{Name: "x-migrate-abc", State: api.StateStopped, StopReason: 3, ExitCode: 1, StopCode: 0x8100}

var dnsPanic = "panic: hostname resolving error: lookup postgres.default on 10.0.1.206:53: no such host"

type diagCase struct {
	name   string
	inst   api.Instance
	logs   []string
	kind   Kind
	failed bool
	cause  []string // substrings of Cause
	fix    []string // substrings of Fix
	flags  string   // decoded stop_reason notation
	check  func(t *testing.T, d Diagnosis)
}

func cases() []diagCase {
	dns := stopped(appExited, 2, cleanRunning, 51000)
	dns.Env = map[string]string{"OPENFGA_DATASTORE_URI": "postgres://openfga:pw@postgres.default:5432/openfga?sslmode=disable"}
	loop := stopped(appExited, 2, cleanRunning, 3000)
	loop.State, loop.RestartCount, loop.RestartPolicy = api.StateRunning, 3, api.RestartOnFailure
	unknownReason := stopped(0, 243, 0, 102)
	return []diagCase{
		{name: "PIE without cgo: exit 243, kernel shut down cleanly", inst: stopped(appExited, 243, cleanRunning, 102),
			logs: []string{"/usr/bin/openfga[    0.030176] reboot: Restarting system"},
			kind: KindExecFailed, failed: true, flags: "----AK",
			cause: []string{"/usr/bin/openfga could not be started", "exit code 243", "EACCES", "no app output", "static-pie"},
			fix:   []string{"CGO_ENABLED=0", "-tags netgo", "go run . preflight", "absolute path"},
			check: func(t *testing.T, d Diagnosis) {
				if len(d.Notes) == 0 || !strings.Contains(d.Notes[0], `"stop reason: shutdown"`) || !strings.Contains(d.Notes[0], "243") {
					t.Errorf("notes %q", d.Notes)
				}
				if d.StopCode.Reason != api.ReasonOK || !d.StopCode.AppReached || !d.StopReason.App || !d.StopReason.Kernel {
					t.Errorf("decoded %+v %+v", d.StopReason, d.StopCode)
				}
			}},
		{name: "musl static-PIE: exit 254, no output", inst: stopped(appExited, 254, 0, 171),
			kind: KindExecFailed, failed: true, flags: "----AK",
			cause: []string{"exit code 254", "ENOENT", "interpreter", "cmd path does not exist"},
			fix:   []string{"go run . preflight"}},
		{name: "exit 248 not an executable", inst: stopped(appExited, 248, 0, 90),
			kind: KindExecFailed, failed: true, cause: []string{"exit code 248", "ENOEXEC"}, fix: []string{"preflight"}},
		{name: "stop_reason not yet set still shows the exit", inst: unknownReason,
			kind: KindExecFailed, failed: true, flags: "------", cause: []string{"exit code 243"},
			check: func(t *testing.T, d Diagnosis) {
				if !strings.Contains(strings.Join(d.Notes, "|"), "stop_reason is 0") {
					t.Errorf("notes %q", d.Notes)
				}
			}},
		{name: "exit 2: datastore host postgres.default does not resolve", inst: dns,
			logs: []string{`{"level":"info","msg":"starting openfga service..."}`, dnsPanic, "", "goroutine 1 [running]:"},
			kind: KindDatastoreDNS, failed: true, flags: "----AK",
			cause: []string{"the datastore host postgres.default (from OPENFGA_DATASTORE_URI) cannot be resolved", "10.0.1.206:53", "panicked with exit code 2", dnsPanic, "51s"},
			fix:   []string{".internal", "private_ip", "postgres.default is not a KraftCloud name"},
			check: func(t *testing.T, d Diagnosis) {
				if len(d.Evidence) != 1 || d.Evidence[0] != dnsPanic {
					t.Errorf("evidence %q", d.Evidence)
				}
			}},
		{name: "exit 2: .internal name not found", inst: stopped(appExited, 2, cleanRunning, 800),
			logs: []string{"panic: lookup postgres.internal on 10.0.0.1:53: no such host"},
			kind: KindDatastoreDNS, failed: true, cause: []string{"postgres.internal cannot be resolved"}, fix: []string{"no instance named postgres"}},
		{name: "exit 2: plain Go panic quoted", inst: stopped(appExited, 2, cleanRunning, 4000),
			logs: []string{"some output", "openfga[ 1.2] panic: runtime error: invalid memory address or nil pointer dereference", "[signal SIGSEGV]"},
			kind: KindGoPanic, failed: true,
			cause: []string{"panicked (exit code 2)", "panic: runtime error: invalid memory address or nil pointer dereference"},
			check: func(t *testing.T, d Diagnosis) {
				if strings.Contains(d.Cause, "openfga[") {
					t.Errorf("console prefix kept: %s", d.Cause)
				}
			}},
		{name: "exit 2 without logs", inst: stopped(appExited, 2, cleanRunning, 4000),
			kind: KindGoPanic, failed: true, cause: []string{"exit code 2", "do not show it"}, fix: []string{"panic:"}},
		{name: "out of memory: PGFAULT + ENOMEM", inst: stopped(api.StopKernel, 0, 818948, 20000),
			kind: KindOutOfMemory, failed: true, flags: "-----K",
			cause: []string{"out of memory", "PGFAULT", "ENOMEM", "0x000C7F04"}, fix: []string{"memory_mb", "512 MiB", "max_memory_mb"},
			check: func(t *testing.T, d Diagnosis) {
				if d.StopCode.Reason != api.ReasonPGFAULT || d.StopCode.Errno != 12 || d.StopCode.InitLevel != 127 {
					t.Errorf("%+v", d.StopCode)
				}
			}},
		{name: "Go runtime out of memory", inst: stopped(appExited, 2, cleanRunning, 9000),
			logs: []string{"fatal error: runtime: out of memory"}, kind: KindOutOfMemory, failed: true,
			cause: []string{"out of memory", "exit code 2"}, fix: []string{"memory_mb"}},
		{name: "image not available", inst: stopped(api.StopPlatform, 0, api.PlatformStopCode(api.PlatformNoMedium), 0),
			kind: KindImageUnavailable, failed: true, flags: "---P--",
			cause: []string{"not available", "NOMEDIUM"}, fix: []string{"images/list"},
			check: func(t *testing.T, d Diagnosis) {
				if d.StopCode.Source != api.SourcePlatform || d.StopCode.Platform != "NOMEDIUM" {
					t.Errorf("%+v", d.StopCode)
				}
			}},
		{name: "forced user stop", inst: stopped(31, 0, cleanRunning, 60000), kind: KindUserStop, flags: "-FUPAK",
			cause: []string{"force-stopped by a user"}},
		{name: "forced user stop, app killed", inst: stopped(28, 0, 0, 60000), kind: KindUserStop, flags: "-FUP--",
			cause: []string{"force-stopped"}},
		{name: "user stop keeps the exit code", inst: stopped(15, 143, cleanRunning, 60000), kind: KindUserStop, flags: "--UPAK",
			cause: []string{"stopped by a user request", "exit code was 143"}},
		{name: "platform stop", inst: stopped(7, 0, cleanRunning, 60000), kind: KindPlatformStop, failed: true, flags: "---PAK",
			cause: []string{"stopped by the platform"}, fix: []string{"restart_policy"}},
		{name: "scale-to-zero standby (documented example)", inst: func() api.Instance {
			i := stopped(39, 1, 33024, 47521)
			i.State = api.StateStandby
			return i
		}(), kind: KindStandby, flags: "Z--PAK", cause: []string{"not a failure", "standby"}},
		{name: "reached running then exited", inst: stopped(appExited, 1, cleanRunning, 51000),
			logs: []string{"listening on :8080", `{"level":"error","msg":"failed to start grpc server"}`, "bye"},
			kind: KindExitedAfterRunning, failed: true, cause: []string{"reached running", "51s", "exit code 1"},
			check: func(t *testing.T, d Diagnosis) {
				if len(d.Evidence) != 1 || !strings.Contains(d.Evidence[0], "failed to start") {
					t.Errorf("evidence %q", d.Evidence)
				}
			}},
		{name: "datastore connection refused", inst: stopped(appExited, 1, cleanRunning, 2000),
			logs: []string{"Error: failed to connect: dial tcp 10.0.0.5:5432: connect: connection refused"},
			kind: KindDatastoreUnreachable, failed: true, cause: []string{"10.0.0.5:5432", "connection refused", "exit code 1"}, fix: []string{"scale_to_zero"}},
		{name: "exited quickly with exit 1", inst: stopped(appExited, 1, 0x0100, 50),
			logs: []string{"Error: unknown flag: --bogus"}, kind: KindAppExit, failed: true, cause: []string{"exit code 1"}},
		{name: "exit 0", inst: stopped(appExited, 0, cleanRunning, 3000), kind: KindExitedOK, cause: []string{"exit code 0"}, fix: []string{"migrate"}},
		{name: "kernel crash", inst: stopped(api.StopKernel, 0, api.KernelStopCode(api.ReasonSEGFAULT, 0, 127, false), 700),
			kind: KindKernelCrash, failed: true, cause: []string{"crashed while the app was running", "SEGFAULT"}},
		{name: "running", inst: api.Instance{Name: "openfga", State: api.StateRunning}, kind: KindRunning, cause: []string{"running"}},
		{name: "starting", inst: api.Instance{Name: "openfga", State: api.StateStarting}, kind: KindStarting},
		{name: "running again after a kill", inst: func() api.Instance {
			i := stopped(api.StopKernel, 0, api.KernelStopCode(api.ReasonSEGFAULT, 0, 127, false), 3600000)
			i.State, i.RestartCount, i.RestartPolicy = api.StateRunning, 1, api.RestartOnFailure
			return i
		}(), kind: KindRestarted, cause: []string{"running again after 1 restart(s)", "SEGFAULT"}},
		{name: "crash loop", inst: loop, logs: []string{"panic: boom"}, kind: KindCrashLoop, failed: true,
			cause: []string{"3 restart(s)", "on-failure", "panic: boom", "exit code 2"}},
		{name: "postgres refuses the password", inst: migrateExit1,
			logs: []string{"Error: failed to initialize database connection: failed to connect to `user=openfga database=openfga`: 10.0.0.5:5432 (x-pg.internal): failed SASL auth: FATAL: password authentication failed for user \"openfga\" (SQLSTATE 28P01)"},
			kind: KindDatastoreAuthFailed, failed: true, cause: []string{"x-pg.internal", `"openfga"`, "exit code 1"}},
		{name: "postgres has no such database", inst: migrateExit1,
			logs: []string{"Error: failed to initialize database connection: failed to connect to `user=openfga database=nodb`: 127.0.0.1:5432 (127.0.0.1): server error: FATAL: database \"nodb\" does not exist (SQLSTATE 3D000)"},
			kind: KindDatastoreNoDatabase, failed: true, cause: []string{"127.0.0.1:5432", `"nodb"`}},
	}
}

func TestDiagnose(t *testing.T) {
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			d := Diagnose(tc.inst, tc.logs)
			if d.Kind != tc.kind || d.Failed != tc.failed {
				t.Fatalf("kind %s failed %v; want %s %v\ncause: %s", d.Kind, d.Failed, tc.kind, tc.failed, d.Cause)
			}
			for _, s := range tc.cause {
				if !strings.Contains(d.Cause, s) {
					t.Errorf("cause lacks %q:\n%s", s, d.Cause)
				}
			}
			for _, s := range tc.fix {
				if !strings.Contains(d.Fix, s) {
					t.Errorf("fix lacks %q:\n%s", s, d.Fix)
				}
			}
			if tc.flags != "" && d.StopReason.Flags != tc.flags {
				t.Errorf("stop_reason %s, want %s", d.StopReason.Flags, tc.flags)
			}
			if d.Cause == "" || d.Fix == "" {
				t.Error("empty cause or fix")
			}
			// The kraftkit trap: a failing app's exit code is always named.
			if (tc.inst.StopReason.Has(api.StopApp) || tc.inst.StopReason == 0) && tc.inst.ExitCode != 0 &&
				!strings.Contains(d.Cause, fmt.Sprintf("exit code %d", tc.inst.ExitCode)) &&
				!strings.Contains(d.Cause, fmt.Sprintf("exit code was %d", tc.inst.ExitCode)) {
				t.Errorf("exit code %d hidden: %s", tc.inst.ExitCode, d.Cause)
			}
			if tc.check != nil {
				tc.check(t, d)
			}
		})
	}
}
