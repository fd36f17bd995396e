package diagnose

import (
	"fmt"
	"time"
)

// reachedRunningMs: an uptime above this means the app was up, not dying
// in the loader (binaries the loader refused on base-compat stopped after
// 102 and 171 ms).
const reachedRunningMs = 1000

// appExit explains an app that exited by itself (stop_reason ----AK).
func appExit(f facts) verdict {
	code := f.inst.ExitCode
	switch {
	case code == 0:
		return exitedOK(f)
	case loaderFailure(code) && f.logs.find(goPanic) == "":
		return execFailed(f)
	}
	if v, ok := datastoreProblem(f); ok {
		return v
	}
	if code == 2 {
		return goPanicked(f)
	}
	if reachedRunning(f) {
		return exitedAfterRunning(f)
	}
	return verdict{kind: KindAppExit, failed: true, evidence: f.logs.errorLines(3),
		cause: fmt.Sprintf("the app exited by itself with exit code %d", code),
		fix:   "read the quoted log lines; check args (cmd) and env (OPENFGA_*) of the instance"}
}

// reachedRunning reports whether the app got past startup: the kernel's
// initlevel says main was reached, or it stayed up for a while, or it
// opened a listening socket.
func reachedRunning(f facts) bool {
	return f.code.AppReached || f.inst.UptimeMs >= reachedRunningMs || f.inst.NetTimeUs > 0
}

func uptime(f facts) string {
	return (time.Duration(f.inst.UptimeMs) * time.Millisecond).String()
}

func exitedOK(f facts) verdict {
	return verdict{kind: KindExitedOK,
		cause: fmt.Sprintf("the app exited by itself with exit code 0 after %s", uptime(f)),
		fix:   "none for a one-shot job (e.g. `openfga migrate`); a server should not exit: check that args end in `run`"}
}

func exitedAfterRunning(f facts) verdict {
	return verdict{kind: KindExitedAfterRunning, failed: true, evidence: f.logs.errorLines(3),
		cause: fmt.Sprintf("the app started (reached running) and exited by itself after %s with exit code %d", uptime(f), f.inst.ExitCode),
		fix:   "read the quoted log lines; set restart_policy \"on-failure\" while debugging so it comes back"}
}

func goPanicked(f facts) verdict {
	line := f.logs.find(goPanic)
	if line == "" {
		return verdict{kind: KindGoPanic, failed: true, evidence: f.logs.tail(3),
			cause: fmt.Sprintf("exit code 2 after %s: a Go panic, fatal runtime error or usage error, but the logs given do not show it", uptime(f)),
			fix:   "read more of the logs (`go run . logs`); the line starting with `panic:` or `fatal error:` names the cause"}
	}
	return verdict{kind: KindGoPanic, failed: true, evidence: []string{line},
		cause: fmt.Sprintf("the app panicked (exit code 2) after %s: %s", uptime(f), line),
		fix:   "fix what the panic names; OpenFGA panics at startup on a bad OPENFGA_* setting or an unreachable datastore"}
}
