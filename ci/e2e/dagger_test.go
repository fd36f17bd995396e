//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fixture is the offline OpenFGA the tests build: a local git repository with
// the release tag, and its Go dependencies as a GOPROXY directory.
type fixture struct {
	repo, commit, date, goproxy string
}

func loadFixture(t *testing.T) fixture {
	t.Helper()
	f := fixture{
		repo:    os.Getenv("OPENFGA_REPO"),
		commit:  os.Getenv("OPENFGA_COMMIT"),
		date:    os.Getenv("OPENFGA_DATE"),
		goproxy: os.Getenv("GOPROXY_DIR"),
	}
	if f.repo == "" || f.commit == "" || f.goproxy == "" {
		t.Fatal("OPENFGA_REPO, OPENFGA_COMMIT and GOPROXY_DIR must be set: run the tests through .ci/test.sh")
	}
	return f
}

// moduleArgs are the constructor flags that point the module at the fixture.
func (f fixture) moduleArgs(extra ...string) []string {
	return append([]string{
		"--source=" + f.repo,
		"--commit=" + f.commit,
		"--goproxy-dir=" + f.goproxy,
	}, extra...)
}

// repoRoot is the directory holding dagger.json.
func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// result is one finished dagger CLI call.
type result struct {
	stdout, stderr string
	err            error
}

// dagger runs `dagger call <args>` on the module and returns its output.
func dagger(t *testing.T, timeout time.Duration, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "dagger", append([]string{"call", "--progress=plain"}, args...)...)
	cmd.Dir = repoRoot(t)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	t.Logf("dagger call %s: %s (%v)", strings.Join(redactArgs(args), " "), time.Since(start).Round(time.Millisecond), err)
	record(out.String() + errb.String())
	return result{stdout: out.String(), stderr: errb.String(), err: err}
}

var (
	mu      sync.Mutex
	outputs []string
)

// record keeps every CLI output, for the tests that look for leaked secrets.
func record(s string) { mu.Lock(); outputs = append(outputs, s); mu.Unlock() }

func transcripts() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(outputs) }

// must fails the test when the call failed, showing the end of its log.
func (r result) must(t *testing.T) result {
	t.Helper()
	if r.err != nil {
		t.Fatalf("dagger call failed: %v\n%s", r.err, tail(r.stderr, 60))
	}
	return r
}

func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.HasPrefix(a, "--goproxy-dir=") {
			a = "--goproxy-dir=…"
		}
		out[i] = a
	}
	return out
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func fmtSHA(b []byte) string { return fmt.Sprintf("%x", b) }

// TestMain removes the binary the tests exported.
func TestMain(m *testing.M) {
	code := m.Run()
	if binaryPath != "" {
		os.RemoveAll(filepath.Dir(binaryPath))
	}
	os.Exit(code)
}
