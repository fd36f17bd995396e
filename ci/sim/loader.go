package sim

// The loader rules of the base-compat runtime: which cmd starts, and which
// fails at load with which exit code. Everything the simulator decides
// about a binary is in this file.
//
// Sources: unikraft/app-elfloader (the runtime's ELF loader, main.c), the
// examples of unikraft-cloud/examples, and what images did when run on
// KraftCloud ("observed").
//
// DOCUMENTED or OBSERVED:
//   - A static x86_64 executable (ET_EXEC, no PT_INTERP) starts: observed
//     with a `CGO_ENABLED=0 go build -tags netgo` build on base-compat.
//   - A static-PIE (ET_DYN, no PT_INTERP) starts: the Go example builds
//     with -static-pie (unikraft-cloud/examples http-go1.21/Dockerfile).
//   - A dynamic executable whose interpreter is not in the rootfs fails at
//     load with exit 243 and no app output: observed with a CGO_ENABLED=0
//     -buildmode=pie build (PT_INTERP /lib64/ld-linux-x86-64.so.2) in a
//     FROM scratch image, which stopped with exit 243 after ~100 ms.
//   - A load failure prints nothing from the app: observed, the console
//     held only the kernel's own reboot message, which the simulator does
//     not print.
//
// INFERRED (not documented; change here if the platform proves otherwise):
//   - Exit codes are the loader's -errno as a uint8, as app-elfloader's
//     main.c returns it: a cmd path that does not exist → 254 (-ENOENT);
//     not a regular file or no exec bit → 243 (-EACCES: the base runtime
//     is built with CONFIG_APPELFLOADER_VFSEXEC_EXECBIT, the loader's check
//     of the exec bit); not an ELF, or an ELF for another machine/class or
//     of a non-executable type → 248 (-ENOEXEC).
//   - A dynamic executable whose interpreter IS in the rootfs starts (and
//     its own ld.so then loads the libraries): the postgres example runs a
//     dynamic musl build on base-compat (unikraft-cloud/examples
//     postgres/Dockerfile and Kraftfile).
//   - "#!" scripts start when their interpreter loads by these same rules,
//     and a cmd without "/" is looked up in PATH (the image's, else the
//     usual default), as exec does on Linux: the postgres example's cmd is
//     a shell script, wrapper.sh.
//   - A musl static-PIE build was observed to exit 254; nothing in its
//     headers tells it apart from a working static-PIE, so it is NOT
//     modelled.
//   - Stop fields of a load failure are those of an app exit: stop_reason
//     3 (----AK; a load failure ends the app and then the kernel) and
//     stop_code 0x8100 (reason OK, as kraftkit's "stop reason: shutdown"
//     for such an instance implies; 33024 is a stop_code example value of
//     the API reference). See appExitStopCode in runner.go.

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/rootpath"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/preflight"
)

// Loader exit codes: 256 - errno.
const (
	exitENOENT  = 254 // 256 - ENOENT(2)
	exitENOEXEC = 248 // 256 - ENOEXEC(8)
	exitEACCES  = 243 // 256 - EACCES(13)
)

// defaultPath is searched for a cmd without "/" when the image sets no PATH.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// maxScriptDepth bounds "#!" chains, as Linux does.
const maxScriptDepth = 4

// loadResult is the loader's verdict on a cmd.
type loadResult struct {
	Path     string // absolute path (inside the rootfs) to exec when ExitCode is 0
	ExitCode int    // 0: the app starts; else the exit code of the failed load
	Why      string // one line for the simulator's own log, never the app's
}

func (r loadResult) ok() bool { return r.ExitCode == 0 }

func fail(code int, why string) loadResult { return loadResult{ExitCode: code, Why: why} }

// load applies the rules to argv in the unpacked rootfs.
func load(rootfs string, argv []string, env []string) loadResult {
	if len(argv) == 0 || argv[0] == "" {
		return fail(exitENOENT, "no cmd: neither the instance args nor the image config give one")
	}
	p, ok := lookPath(rootfs, argv[0], envPath(env))
	if !ok {
		return fail(exitENOENT, argv[0]+": no such file in the rootfs")
	}
	return loadFile(rootfs, p, 0)
}

// loadFile judges one file: an app binary or a script's interpreter.
func loadFile(rootfs, p string, depth int) loadResult {
	host, err := rootpath.Resolve(rootfs, p)
	if err != nil {
		return fail(exitENOENT, p+": "+err.Error())
	}
	fi, err := os.Stat(host)
	if err != nil {
		return fail(exitENOENT, p+": "+errText(err))
	}
	if !fi.Mode().IsRegular() {
		return fail(exitEACCES, p+": not a regular file")
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return fail(exitEACCES, p+": no exec bit")
	}
	f, err := os.Open(host)
	if err != nil {
		return fail(exitEACCES, p+": "+errText(err))
	}
	defer f.Close()
	head := make([]byte, 256)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if bytes.HasPrefix(head, []byte("#!")) {
		return loadScript(rootfs, p, head, depth)
	}
	rep, err := preflight.InspectReader(p, f, fi.Size(), fi.Mode())
	if err != nil || !rep.ELF {
		return fail(exitENOEXEC, p+": not an ELF executable")
	}
	return judgeELF(rootfs, p, rep)
}

// judgeELF applies the ELF rules to preflight's facts about the file.
func judgeELF(rootfs, p string, rep preflight.Report) loadResult {
	switch {
	case rep.Class != "ELF64" || rep.Machine != "x86_64":
		return fail(exitENOEXEC, p+": "+rep.Class+" "+rep.Machine+", not x86_64")
	case rep.Kind == "":
		return fail(exitENOEXEC, p+": ELF type "+rep.Type+" is not an executable")
	case rep.Kind == preflight.KindStatic || rep.Kind == preflight.KindStaticPIE:
		return loadResult{Path: p, Why: p + ": " + string(rep.Kind) + " executable"}
	case rep.Interpreter == "":
		return fail(exitEACCES, p+": needs "+strings.Join(rep.Needed, ", ")+" but has no interpreter")
	}
	if !isRegular(rootfs, rep.Interpreter) {
		return fail(exitEACCES, p+": "+string(rep.Kind)+" executable, interpreter "+rep.Interpreter+" is not in the rootfs")
	}
	return loadResult{Path: p, Why: p + ": " + string(rep.Kind) + " executable, interpreter " + rep.Interpreter}
}

// loadScript follows a "#!" line to its interpreter.
func loadScript(rootfs, p string, head []byte, depth int) loadResult {
	if depth >= maxScriptDepth {
		return fail(exitENOEXEC, p+": too many levels of #! interpreters")
	}
	line, _, _ := bytes.Cut(head[2:], []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) == 0 {
		return fail(exitENOEXEC, p+": empty #! line")
	}
	in := loadFile(rootfs, fields[0], depth+1)
	if !in.ok() {
		if in.ExitCode == exitENOENT {
			return fail(exitENOENT, p+": interpreter "+fields[0]+" is not in the rootfs")
		}
		return in
	}
	return loadResult{Path: p, Why: p + ": script run by " + fields[0]}
}

// lookPath resolves a cmd name to an absolute path inside the rootfs.
func lookPath(rootfs, name, pathVar string) (string, bool) {
	if strings.Contains(name, "/") {
		p := path.Clean("/" + name)
		host, err := rootpath.Resolve(rootfs, p)
		if err != nil {
			return p, true // let loadFile report the loop
		}
		_, err = os.Lstat(host)
		return p, !errors.Is(err, fs.ErrNotExist)
	}
	for _, dir := range strings.Split(pathVar, ":") {
		if p := path.Join(dir, name); strings.HasPrefix(dir, "/") && isRegular(rootfs, p) {
			return p, true
		}
	}
	return "", false
}

// isRegular reports whether p is a regular file inside the rootfs.
func isRegular(rootfs, p string) bool {
	host, err := rootpath.Resolve(rootfs, p)
	if err != nil {
		return false
	}
	fi, err := os.Stat(host)
	return err == nil && fi.Mode().IsRegular()
}

// envPath is PATH from the environment, or the default.
func envPath(env []string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			return v
		}
	}
	return defaultPath
}

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
