package diagnose

import (
	"fmt"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// verdict is what one rule concludes.
type verdict struct {
	kind     Kind
	failed   bool
	cause    string
	fix      string
	evidence []string
}

// classify picks the first rule that applies. The order matters: the
// platform's own codes (image, memory) beat the app's exit code, and who
// stopped the instance (scale-to-zero, user, platform) beats how the app
// died, since a user stop makes the exit code a consequence, not a cause.
func classify(f facts) verdict {
	if v, ok := liveState(f); ok {
		return v
	}
	return lastRun(f)
}

// lastRun explains how the instance's last run ended.
func lastRun(f facts) verdict {
	switch {
	case f.inst.State == api.StateStandby || f.reason.ScaleToZero:
		return standby(f)
	case f.code.Source == api.SourcePlatform && api.PlatformCode(f.code.Raw) == api.PlatformNoMedium:
		return imageUnavailable(f)
	case outOfMemory(f):
		return oom(f)
	case f.reason.User || f.reason.Forced:
		return userStop(f)
	case f.reason.Platform:
		return platformStop(f)
	case f.exitValid:
		return appExit(f)
	case f.reason.Kernel:
		return kernelStop(f)
	}
	return unknown(f)
}

// liveState covers instances that are not stopped.
func liveState(f facts) (verdict, bool) {
	switch f.inst.State {
	case api.StateRunning, api.StateStarting:
		if v, ok := crashLoop(f); ok {
			return v, true
		}
		if v, ok := restarted(f); ok {
			return v, true
		}
		if f.inst.State == api.StateStarting {
			return verdict{kind: KindStarting, cause: "the instance is starting", fix: "none yet: wait for running (GET /v1/instances/wait), then check readiness (/healthz)"}, true
		}
		return verdict{kind: KindRunning, cause: "the instance is running (its main was reached; that is not yet readiness)",
			fix: "none; if it does not answer, check the service's destination_port against the app's listen port and GET https://<fqdn>/healthz"}, true
	case api.StateDraining, api.StateStopping:
		return verdict{kind: KindStopping, cause: "the instance is being stopped (" + string(f.inst.State) + ")", fix: "none; diagnose again once it is stopped"}, true
	case api.StateTemplate:
		return verdict{kind: KindTemplate, cause: "the instance is a template (snapshot), not meant to run", fix: "none; create instances from it"}, true
	}
	return verdict{}, false
}

// crashLoop: restarted by its restart policy after a failed exit.
func crashLoop(f facts) (verdict, bool) {
	attempts := f.inst.RestartCount
	if f.inst.Restart != nil && f.inst.Restart.Attempt > attempts {
		attempts = f.inst.Restart.Attempt
	}
	if attempts == 0 || !f.exitValid || f.inst.ExitCode == 0 {
		return verdict{}, false
	}
	last := appExit(f)
	return verdict{
		kind: KindCrashLoop, failed: true, evidence: last.evidence,
		cause: fmt.Sprintf("the instance is %s again after %d restart(s) by its %q restart policy; its last run failed: %s", f.inst.State, attempts, f.inst.RestartPolicy, last.cause),
		fix:   last.fix,
	}, true
}

// restarted: running (or starting) again after its restart policy brought
// it back from a run that did not end in an exit code (a crash of the
// kernel or a kill): it serves, and how the last run ended is said.
func restarted(f facts) (verdict, bool) {
	if f.inst.RestartCount == 0 {
		return verdict{}, false
	}
	last := lastRun(f)
	return verdict{
		kind: KindRestarted, evidence: last.evidence,
		cause: fmt.Sprintf("the instance is %s again after %d restart(s) by its %q restart policy; its last run ended: %s", f.inst.State, f.inst.RestartCount, f.inst.RestartPolicy, last.cause),
		fix:   last.fix,
	}, true
}

func standby(f facts) verdict {
	return verdict{kind: KindStandby, cause: "the instance scaled to zero (standby): this is not a failure",
		fix: "none; it wakes on the next request to its service. Use scale_to_zero.policy \"off\" for a datastore reached over the private network"}
}

func imageUnavailable(f facts) verdict {
	return verdict{kind: KindImageUnavailable, failed: true,
		cause: fmt.Sprintf("the image %q was not available (stop_code NOMEDIUM): the platform could not pull it", f.inst.Image),
		fix:   "check that the image was pushed to index.unikraft.io/<your namespace>/... with this token, that the tag or digest is exact, and that it shows up in GET /v1/images/list at this metro (it can take a minute after a push)"}
}

func userStop(f facts) verdict {
	how := "stopped by a user request"
	if f.reason.Forced {
		how = "force-stopped by a user request"
	}
	return verdict{kind: KindUserStop, cause: how + " (stop or delete through the API or CLI), not a crash",
		fix: "none if intended; start it again (PUT /v1/instances/start) or redeploy"}
}

func platformStop(f facts) verdict {
	return verdict{kind: KindPlatformStop, failed: true,
		cause: "stopped by the platform, not by the app or a user (e.g. host maintenance or an autokill limit)",
		fix:   "start it again or redeploy; set restart_policy \"always\" (or \"on-failure\") so the platform restarts it by itself"}
}

func kernelStop(f facts) verdict {
	if f.code.Source == api.SourceKernel && f.code.Reason != api.ReasonOK {
		return kernelCrash(f)
	}
	return verdict{kind: KindUnknown, failed: true,
		cause: "the kernel halted without an app exit being reported (stop_reason " + f.reason.Flags + ")",
		fix:   "read the full logs; redeploy with the runtime base-compat:latest-dbg to trace syscalls"}
}

func kernelCrash(f facts) verdict {
	where := "before the app's main was reached"
	if f.code.AppReached {
		where = "while the app was running"
	}
	errno := ""
	if f.code.ErrnoName != "" {
		errno = " with errno " + f.code.ErrnoName
	}
	return verdict{kind: KindKernelCrash, failed: true,
		cause:    fmt.Sprintf("the unikernel crashed %s: %s%s (stop_code %s)", where, f.code.Reason, errno, f.code.Hex),
		fix:      "read the logs for the faulting address; redeploy with base-compat:latest-dbg for a syscall trace; check the binary with `go run . preflight`",
		evidence: f.logs.tail(3)}
}

func unknown(f facts) verdict {
	return verdict{kind: KindUnknown, failed: f.inst.State == api.StateStopped,
		cause: fmt.Sprintf("no stop reason recorded (state %q, stop_reason %d)", f.inst.State, f.inst.StopReason),
		fix:   "ask again in a moment (stop_reason is set a few ms after the stop) and read the logs", evidence: f.logs.tail(3)}
}
