package preflight

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Tiny programs: the build cost is the runtime, which the Go build cache keeps.
const (
	pureMain = "package main\n\nfunc main() { println(\"hi\") }\n"
	cgoMain  = "package main\n\n// int one(void) { return 1; }\nimport \"C\"\n\nfunc main() { println(C.one()) }\n"
)

// build compiles src with the host toolchain into a temp dir and returns the
// binary's path. env entries override the inherited ones.
func build(t *testing.T, src string, env []string, args ...string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "app")
	cmd := exec.Command("go", append(append([]string{"build", "-o", out}, args...), "main.go")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"GOTOOLCHAIN=local", "GOOS=linux", "GOARCH=amd64"}, env...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", &buildError{err: err, output: string(b)}
	}
	return out, nil
}

type buildError struct {
	err    error
	output string
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.output }

func mustBuild(t *testing.T, src string, env []string, args ...string) string {
	t.Helper()
	p, err := build(t, src, env, args...)
	if err != nil {
		t.Fatalf("go build: %v", err)
	}
	return p
}

// check inspects path and asserts the verdict and the words of the message.
func check(t *testing.T, path string, kind Kind, deployable bool, words ...string) Report {
	t.Helper()
	rep, err := Inspect(path)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if rep.Kind != kind || rep.Deployable != deployable {
		t.Fatalf("kind=%q deployable=%v, want %q %v; report %+v", rep.Kind, rep.Deployable, kind, deployable, rep)
	}
	msg := rep.Warning
	if err := rep.Err(); err != nil {
		msg = err.Error()
		if !strings.HasPrefix(msg, "preflight: "+path+": ") || !strings.Contains(msg, ". Fix: ") {
			t.Errorf("message %q is not \"preflight: <path>: <cause>. Fix: <fix>\"", msg)
		}
	}
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q lacks %q", msg, w)
		}
	}
	return rep
}

func TestStaticIsDeployable(t *testing.T) {
	t.Parallel()
	bin := mustBuild(t, pureMain, []string{"CGO_ENABLED=0"}, "-ldflags=-s -w", "-tags=netgo")
	rep := check(t, bin, KindStatic, true)
	if rep.Type != "EXEC" || rep.Machine != "x86_64" || rep.Class != "ELF64" || rep.Interpreter != "" || len(rep.Needed) != 0 {
		t.Errorf("header facts: %+v", rep)
	}
	if rep.Err() != nil || rep.Warning != "" || !rep.Executable || rep.Size == 0 {
		t.Errorf("verdict: %+v", rep)
	}
	if rep.Go == nil || !strings.HasPrefix(rep.Go.Version, "go") || rep.Go.CGOEnabled != "0" ||
		rep.Go.LDFlags != "-s -w" || rep.Go.Tags != "netgo" || rep.Go.GOARCH != "amd64" {
		t.Errorf("go build info: %+v", rep.Go)
	}
}

// A -buildmode=pie build without cgo, the kind that crashes at load with exit
// 243 on base-compat, links internally into a PIE that needs
// /lib64/ld-linux-x86-64.so.2.
func TestPIEWithoutCgoIsDynamic(t *testing.T) {
	t.Parallel()
	bin := mustBuild(t, pureMain, []string{"CGO_ENABLED=0"}, "-buildmode=pie")
	rep := check(t, bin, KindDynamicPIE, false,
		"exit 243 at boot", "no output", "interpreter /lib64/ld-linux", "CGO_ENABLED=0", "no -buildmode=pie")
	if rep.Type != "DYN" {
		t.Errorf("type %q, want DYN", rep.Type)
	}
}

func TestCgoIsDynamic(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("cgo needs gcc, which is not on PATH")
	}
	bin := mustBuild(t, cgoMain, []string{"CGO_ENABLED=1"})
	rep := check(t, bin, KindDynamic, false, "exit 243 at boot", "needs libc.so.6", `-ldflags "-s -w" -tags netgo`)
	if rep.Go == nil || rep.Go.CGOEnabled != "1" {
		t.Errorf("go build info: %+v", rep.Go)
	}
}

func TestStaticPIEIsDeployableWithWarning(t *testing.T) {
	t.Parallel()
	bin, err := build(t, cgoMain, []string{"CGO_ENABLED=1"},
		"-buildmode=pie", "-ldflags=-linkmode external -extldflags -static-pie")
	if err != nil {
		t.Skipf("gcc cannot link -static-pie here: %v", err)
	}
	check(t, bin, KindStaticPIE, true, "254", "plain static")
}

func TestNotELF(t *testing.T) {
	t.Parallel()
	for name, content := range map[string]string{"script": "#!/bin/sh\necho hi\n", "empty": "", "short": "\x7fE"} {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
		if rep := check(t, p, "", false, "not an ELF file", "CGO_ENABLED=0"); rep.ELF {
			t.Errorf("%s: ELF=true", name)
		}
	}
}

func TestMalformedELF(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "broken")
	if err := os.WriteFile(p, []byte("\x7fELF\x09garbage"), 0o755); err != nil {
		t.Fatal(err)
	}
	check(t, p, "", false, "malformed ELF")
}

func TestWrongArchitecture(t *testing.T) {
	t.Parallel()
	bin := mustBuild(t, pureMain, []string{"CGO_ENABLED=0", "GOARCH=arm64"})
	rep := check(t, bin, KindStatic, false, "aarch64", "only 64-bit x86_64", "GOARCH=amd64")
	if rep.Machine != "aarch64" {
		t.Errorf("machine %q", rep.Machine)
	}
}

func TestNoExecBit(t *testing.T) {
	t.Parallel()
	bin := mustBuild(t, pureMain, []string{"CGO_ENABLED=0"})
	if err := os.Chmod(bin, 0o644); err != nil {
		t.Fatal(err)
	}
	if rep := check(t, bin, KindStatic, false, "no exec bit", "chmod 0755 "+bin); rep.Executable {
		t.Error("Executable=true")
	}
}

func TestInspectIOError(t *testing.T) {
	t.Parallel()
	if _, err := Inspect(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("no error for a missing file")
	}
	if _, err := Inspect(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: %v", err)
	}
}
