package diagnose

import (
	"fmt"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// Loader exit codes: an INFERENCE, not documented by the platform. Unikraft's
// ELF loader returns -errno from main (ret = -errno in unikraft/app-elfloader
// main.c); as a uint8 exit status 243 = -EACCES, 254 = -ENOENT,
// 248 = -ENOEXEC. On base-compat, a CGO_ENABLED=0 build with -buildmode=pie
// -linkmode external -static-pie exits 243 after about 100 ms and a musl
// static-PIE build (cgo with musl-gcc) exits 254, both with no app output, as
// recorded in guillempuche/demo-openfga-in-unikraft's
// docs/1-kraftcloud-openfga-debugging.md.

// loaderFailure reports an exit status in the -errno range the loader uses.
func loaderFailure(code int) bool { return code >= 241 && code <= 255 }

// loaderErrno is the errno an exit status encodes.
func loaderErrno(code int) uint8 { return uint8(256 - code) }

// loaderMeaning says what the errno means for a binary that would not start.
func loaderMeaning(errno uint8) string {
	switch errno {
	case api.EACCES:
		return "the loader refused to execute it: the exec bit is missing, or it is a binary the loader cannot run " +
			"(a CGO_ENABLED=0 build with -buildmode=pie -linkmode external -static-pie exits exactly like this on base-compat)"
	case api.ENOENT:
		return "a file it needs is missing: the cmd path does not exist in the rootfs, or the binary is dynamic and its " +
			"interpreter (ld.so) is not in the rootfs (a musl static-pie build exits with this code on base-compat)"
	case api.ENOEXEC:
		return "it is not an executable the loader accepts (not an x86_64 ELF, or a script)"
	}
	return "the loader failed with " + api.ErrnoName(errno)
}

func execFailed(f facts) verdict {
	code := f.inst.ExitCode
	errno := loaderErrno(code)
	cmd := "the binary"
	if len(f.inst.Args) > 0 {
		cmd = f.inst.Args[0]
	}
	return verdict{kind: KindExecFailed, failed: true, evidence: f.logs.tail(2),
		cause: fmt.Sprintf("%s could not be started: exit code %d (likely -%s from the loader; inferred, undocumented), after %s with no app output: %s",
			cmd, code, api.ErrnoName(errno), uptime(f), loaderMeaning(errno)),
		fix: "build a static, non-PIE binary: CGO_ENABLED=0 go build -tags netgo -ldflags=\"-s -w\" ./cmd/openfga " +
			"(never -linkmode external/-static-pie without cgo); make cmd the absolute path of an executable file in the rootfs; " +
			"check the image's binary with `go run . preflight`"}
}
