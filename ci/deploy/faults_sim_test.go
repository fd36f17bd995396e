package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// The API answers 429 and 503 for a while, on every path and then on the
// instance calls (creates included, which the client never retries by
// itself); then a create is carried out and its answer lost (the
// connection reset), with gateway 502 pages and slow answers after it:
// the deploy waits them out, creates exactly one instance, is verified,
// and its warnings count the retries.
func TestDeployThroughRateLimitsAndOutages(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	root := simtest.Rootfs(t, bin, 0o755)
	for _, f := range []sim.Faults{
		{RateLimit: 3, ServerErrors: 3, ServerErrorCode: 503},
		{Path: "/v1/instances", RateLimit: 2, ServerErrors: 3, ServerErrorCode: 503},
		{Path: "/v1/instances", ResetAfterCreate: 1, ServerErrors: 2, ServerErrorCode: 502, Slow: 2, DelayMs: 1500},
	} {
		var log simtest.SyncBuffer
		o := simOptions(t, s, root, "faulty", &log)
		s.SetFaults(f)
		start := time.Now()
		d, err := Run(context.Background(), o)
		if err != nil {
			t.Fatalf("faults %+v: %v\n%s", f, err, log.String())
		}
		t.Logf("faults %+v: verified in %s", f, time.Since(start).Round(time.Millisecond))
		l := log.String()
		if (f.RateLimit > 0 && !strings.Contains(l, "HTTP 429")) || !strings.Contains(l, fmt.Sprintf("HTTP %d", f.ServerErrorCode)) {
			t.Errorf("the retries were not announced:\n%s", l)
		}
		if !strings.Contains(strings.Join(d.Warnings, "\n"), "transient failure") {
			t.Errorf("the warnings do not count the retries: %q", d.Warnings)
		}
		onlyInstance(t, o.Client, "faulty", d.Instance)
	}
}

// An app that needs more memory than the instance has is killed by the
// OOM killer: diagnosed as such, and everything this run made is removed
// (instance, service group, image).
func TestDeployOutOfMemory(t *testing.T) {
	s := simtest.Start(t)
	var log simtest.SyncBuffer
	o := simOptions(t, s, simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755), "hungry", &log)
	o.Memory, o.Env = "64", []string{"STANDIN_ALLOC_MB=256"}
	_, err := Run(context.Background(), o)
	var de *Error
	if !errors.As(err, &de) || de.Diagnosis == nil {
		t.Fatalf("Run = %v\n%s", err, log.String())
	}
	t.Logf("failed at %s: %s / fix: %s", de.Stage, de.Diagnosis.Cause, de.Diagnosis.Fix)
	if de.Diagnosis.Kind != diagnose.KindOutOfMemory {
		t.Errorf("diagnosis %s, want %s\n%s", de.Diagnosis.Kind, diagnose.KindOutOfMemory, log.String())
	}
	nothingLeft(t, o.Client, "hungry")
	user, secret := o.Client.Token().RegistryAuth()
	acc := unikernel.Access{Username: user, Password: secret, PlainHTTP: true}
	if _, err := unikernel.Resolve(context.Background(), s.Endpoints().Registry+"/"+o.Client.Token().Namespace()+"/hungry:latest", acc); !errors.Is(err, unikernel.ErrNoManifest) {
		t.Errorf("image left after the failed run: %v", err)
	}
	simtest.NoSecrets(t, map[string]string{"log": log.String(), "error": err.Error()}, s.Endpoints().Token, secret, testKey)
}

// --keep-failed leaves the failed instance for inspection and says how
// to remove it.
func TestKeepFailed(t *testing.T) {
	s := simtest.Start(t)
	var log simtest.SyncBuffer
	o := simOptions(t, s, simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755), "kept", &log)
	// No restart policy: the instance is kept as it stopped.
	o.Memory, o.Env, o.KeepFailed, o.Restart = "64", []string{"STANDIN_ALLOC_MB=256"}, true, "never"
	_, err := Run(context.Background(), o)
	var de *Error
	if !errors.As(err, &de) || len(de.Left) != 3 || !strings.Contains(log.String(), "go run . destroy --name kept") {
		t.Fatalf("Run = %v (left %v)\n%s", err, de.Left, log.String())
	}
	rep, err := Status(context.Background(), o.Client, Where{Name: "kept", Registry: s.Endpoints().Registry})
	if err != nil || rep.Serving || len(rep.Instances) != 1 || rep.Instances[0].Diagnosis == nil ||
		rep.Instances[0].Diagnosis.Kind != diagnose.KindOutOfMemory {
		t.Fatalf("status = %+v, %v", rep, err)
	}
	if _, err := Destroy(context.Background(), o.Client, DestroyOptions{Name: "kept", Image: true, Registry: s.Endpoints().Registry}); err != nil {
		t.Fatal(err)
	}
	nothingLeft(t, o.Client, "kept")
}

// Memory over the account's limit (the simulator's quotas say 4096 MiB) is
// refused after validation, before anything is pushed or created.
func TestMemoryOverQuotaCreatesNothing(t *testing.T) {
	s := simtest.Start(t)
	var log simtest.SyncBuffer
	o := simOptions(t, s, simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755), "huge", &log)
	o.Memory = "8Gi"
	_, err := Run(context.Background(), o)
	var de *Error
	if !errors.As(err, &de) || de.Stage != "validate" || !strings.Contains(err.Error(), "outside this account's limits at this metro: 16 .. 4096 MiB") {
		t.Fatalf("Run = %v", err)
	}
	nothingLeft(t, o.Client, "huge")
	user, secret := o.Client.Token().RegistryAuth()
	acc := unikernel.Access{Username: user, Password: secret, PlainHTTP: true}
	if _, err := unikernel.Resolve(context.Background(), s.Endpoints().Registry+"/"+o.Client.Token().Namespace()+"/huge:latest", acc); !errors.Is(err, unikernel.ErrNoManifest) {
		t.Errorf("something was pushed: %v", err)
	}
}

// An instance that crashes at boot (the simulator's crash fault: a
// segfault before the app runs) fails at "running", with that diagnosis.
func TestDeployCrashAtBoot(t *testing.T) {
	s := simtest.Start(t)
	var log simtest.SyncBuffer
	o := simOptions(t, s, simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755), "crashy", &log)
	s.SetFaults(sim.Faults{CrashOnStart: 1})
	start := time.Now()
	_, err := Run(context.Background(), o)
	var de *Error
	if !errors.As(err, &de) || de.Diagnosis == nil || de.Stage != "running" {
		t.Fatalf("Run = %v\n%s", err, log.String())
	}
	t.Logf("failed in %s: %s", time.Since(start).Round(time.Millisecond), de.Diagnosis.Cause)
	if de.Diagnosis.Kind != diagnose.KindKernelCrash {
		t.Errorf("diagnosis %s, want %s", de.Diagnosis.Kind, diagnose.KindKernelCrash)
	}
	nothingLeft(t, o.Client, "crashy")
}
