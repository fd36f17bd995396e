// Package diagnose explains why a KraftCloud instance is not serving: from
// the instance object (state, stop_reason, exit_code, stop_code, uptime)
// and its last log lines it names a short Cause and a Fix.
//
// Unlike kraftkit, which prints "stop reason: shutdown" whenever the
// kernel halted cleanly (DescribeStopReason in sdk.kraft.cloud's
// instances/models.go looks only at stop_code), a non-zero app exit code is
// never hidden here: it always appears in Cause. The platform reports it
// apart, in exit_code, valid when stop_reason has the app bit set (the
// platform's instance documentation).
package diagnose

import (
	"fmt"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// Kind classifies a diagnosis so callers (deploy, tests) can branch on it.
type Kind string

const (
	KindRunning              Kind = "running"
	KindStarting             Kind = "starting"
	KindStopping             Kind = "stopping"
	KindStandby              Kind = "standby"
	KindTemplate             Kind = "template"
	KindCrashLoop            Kind = "crash_loop"
	KindRestarted            Kind = "restarted" // serving again after a crash; not a failure
	KindExecFailed           Kind = "exec_failed"
	KindGoPanic              Kind = "go_panic"
	KindDatastoreDNS         Kind = "datastore_dns"
	KindDatastoreUnreachable Kind = "datastore_unreachable"
	KindDatastoreAuthFailed  Kind = "datastore_auth_failed"
	KindDatastoreNoDatabase  Kind = "datastore_no_database"
	KindOutOfMemory          Kind = "out_of_memory"
	KindKernelCrash          Kind = "kernel_crash"
	KindImageUnavailable     Kind = "image_unavailable"
	KindUserStop             Kind = "user_stop"
	KindPlatformStop         Kind = "platform_stop"
	KindExitedOK             Kind = "exited_ok"
	KindExitedAfterRunning   Kind = "exited_after_running"
	KindAppExit              Kind = "app_exit"
	KindUnknown              Kind = "unknown"
)

// Diagnosis is the verdict. Its JSON form is the CLI's --json output.
type Diagnosis struct {
	Instance   string             `json:"instance,omitempty"`
	State      api.State          `json:"state,omitempty"`
	Kind       Kind               `json:"kind"`
	Failed     bool               `json:"failed"`
	Cause      string             `json:"cause"`
	Fix        string             `json:"fix"`
	StopReason api.StopReasonBits `json:"stop_reason"`
	StopCode   api.StopCodeFields `json:"stop_code"`
	ExitCode   int                `json:"exit_code"`
	UptimeMs   int64              `json:"uptime_ms,omitempty"`
	// Evidence quotes the log lines the verdict rests on.
	Evidence []string `json:"evidence,omitempty"`
	// Notes are secondary facts (e.g. what kraftkit would have shown).
	Notes []string `json:"notes,omitempty"`
	// Tail is the end of the instance's console, as Report read it.
	Tail []string `json:"-"`
}

// facts is what the rules look at, decoded once.
type facts struct {
	inst   api.Instance
	reason api.StopReasonBits
	code   api.StopCodeFields
	logs   logView
	// exitValid: the A bit says exit_code is the app's. A stopped instance
	// whose stop_reason is still 0 (the platform sets it a few ms late)
	// with a non-zero exit_code is taken at its word, so it is not lost.
	exitValid bool
}

// Diagnose explains inst given its last log lines (may be nil).
func Diagnose(inst api.Instance, logLines []string) Diagnosis {
	f := facts{inst: inst, reason: inst.StopReason.Decode(), code: inst.StopCode.Decode(inst.StopReason), logs: newLogView(logLines)}
	f.exitValid = f.reason.App || (inst.StopReason == 0 && inst.ExitCode != 0)
	d := Diagnosis{
		Instance: inst.Name, State: inst.State, StopReason: f.reason, StopCode: f.code,
		ExitCode: inst.ExitCode, UptimeMs: inst.UptimeMs,
	}
	verdict := classify(f)
	d.Kind, d.Failed, d.Cause, d.Fix, d.Evidence = verdict.kind, verdict.failed, verdict.cause, verdict.fix, verdict.evidence
	d.Notes = notes(f)
	neverHideExit(&d, f)
	return d
}

// neverHideExit guarantees a failing app's exit code is in the cause.
func neverHideExit(d *Diagnosis, f facts) {
	if f.exitValid && d.ExitCode != 0 && !strings.Contains(d.Cause, fmt.Sprintf("exit code %d", d.ExitCode)) {
		d.Cause += fmt.Sprintf(" (the app's exit code was %d)", d.ExitCode)
	}
}

// notes lists facts worth knowing that are not the verdict itself.
func notes(f facts) []string {
	var n []string
	if f.exitValid && f.inst.ExitCode != 0 && f.reason.Kernel && f.code.Source == api.SourceKernel && f.code.Reason == api.ReasonOK {
		n = append(n, fmt.Sprintf("the kernel halted cleanly (kraftkit shows this as \"stop reason: shutdown\"), but the app exited with code %d", f.inst.ExitCode))
	}
	if f.inst.State == api.StateStopped && f.inst.StopReason == 0 {
		n = append(n, "stop_reason is 0 (unknown): the platform may not have updated it yet; ask again in a moment")
	}
	if f.logs.empty() {
		n = append(n, "no log lines were given: the verdict rests on the instance fields only")
	}
	return n
}
