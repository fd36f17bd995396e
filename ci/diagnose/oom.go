package diagnose

import (
	"fmt"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// outOfMemory: the documented OOM is a kernel PGFAULT with errno ENOMEM
// (stop_code 0x000C7F04); Go's own "fatal error: runtime: out of memory"
// is the app-side form of the same thing.
func outOfMemory(f facts) bool {
	if f.code.Source == api.SourceKernel && f.code.Errno == api.ENOMEM {
		return true
	}
	return f.exitValid && f.inst.ExitCode != 0 && f.logs.find(goOOM) != ""
}

func oom(f facts) verdict {
	var ev []string
	if l := f.logs.find(goOOM); l != "" {
		ev = append(ev, l)
	}
	how := fmt.Sprintf("%s with errno ENOMEM, stop_code %s", f.code.Reason, f.code.Hex)
	if f.code.Errno != api.ENOMEM {
		how = fmt.Sprintf("the Go runtime could not allocate and the app died with exit code %d", f.inst.ExitCode)
	}
	next := "more"
	if f.inst.MemoryMB > 0 {
		next = fmt.Sprintf("%d MiB or more (it had %d MiB)", 2*f.inst.MemoryMB, f.inst.MemoryMB)
	}
	return verdict{kind: KindOutOfMemory, failed: true, evidence: ev,
		cause: "the instance ran out of memory (" + how + ")",
		fix:   "raise memory_mb to " + next + "; the allowed maximum is limits.max_memory_mb in GET /v1/users/quotas"}
}
