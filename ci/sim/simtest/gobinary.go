package simtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// staticFlags build a static Go executable: the pure-Go resolver (netgo)
// and no cgo, as a unikernel image needs with no libc in its rootfs.
var staticFlags = []string{"-trimpath", "-ldflags=-s -w", "-tags", "netgo"}

// builds are GoBinary's results, one per package and flags.
var builds struct {
	mu sync.Mutex
	m  map[string]*build
}

type build struct {
	once sync.Once
	path string
	err  error
}

// GoBinary compiles the Go main package in pkgDir (relative to the test's
// directory, e.g. "./testdata/app") for linux/amd64 with CGO_ENABLED=0 and
// the flags -trimpath -ldflags=-s -w -tags netgo, or with flags instead
// (e.g. "-buildmode=pie"), and returns the executable's path. It builds
// once per package and flags in a test binary, whatever the number of
// tests asking, and Main removes the executables when the tests end.
func GoBinary(t testing.TB, pkgDir string, flags ...string) string {
	t.Helper()
	requireMain(t, "GoBinary")
	dir, err := filepath.Abs(pkgDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(flags) == 0 {
		flags = staticFlags
	}
	key := dir + "\x00" + strings.Join(flags, "\x00")
	builds.mu.Lock()
	if builds.m == nil {
		builds.m = map[string]*build{}
	}
	b, ok := builds.m[key]
	if !ok {
		b = &build{}
		builds.m[key] = b
	}
	builds.mu.Unlock()
	b.once.Do(func() { b.path, b.err = goBuild(dir, flags) })
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// goBuild builds the package in dir into a new temporary directory that
// Main removes.
func goBuild(dir string, flags []string) (string, error) {
	out, err := os.MkdirTemp("", "simtest-"+filepath.Base(dir)+"-")
	if err != nil {
		return "", err
	}
	atEnd(func(bool) error { return os.RemoveAll(out) })
	bin := filepath.Join(out, filepath.Base(dir))
	args := append(append([]string{"build"}, flags...), "-o", bin, ".")
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("simtest: go %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, b)
	}
	return bin, nil
}
