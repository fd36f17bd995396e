//go:build e2e

package e2e

import (
	"context"
	"crypto/sha256"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/gobuild"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/preflight"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

var realCommit = gobuild.Pinned.Commit // what the release tag points at upstream

func TestSourceAtPinnedTag(t *testing.T) {
	f := loadFixture(t)
	r := dagger(t, 10*time.Minute, f.moduleArgs("source", "file", "--path=go.mod", "contents")...).must(t)
	if !strings.Contains(r.stdout, "module github.com/openfga/openfga") {
		t.Fatalf("source go.mod:\n%s", r.stdout)
	}
	entries := dagger(t, 5*time.Minute, f.moduleArgs("source", "entries")...).must(t).stdout
	if slices.Contains(strings.Fields(entries), ".git/") {
		t.Errorf("source still has .git:\n%s", entries)
	}
}

// The fixture's tag points at its own commit, not upstream's: expecting the
// upstream SHA is exactly the "tag moved" situation.
func TestSourceRefusesAMovedTag(t *testing.T) {
	f := loadFixture(t)
	r := dagger(t, 10*time.Minute, "--source="+f.repo, "--commit="+realCommit, "source", "entries")
	if r.err == nil {
		t.Fatal("source with the wrong expected commit succeeded")
	}
	for _, want := range []string{f.commit, realCommit, "tag v1.11.0", "moved"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("error does not mention %q:\n%s", want, tail(r.stderr, 20))
		}
	}
}

func TestBinaryIsStaticAndStamped(t *testing.T) {
	f := loadFixture(t)
	bin := exportBinary(t, f)
	rep, err := preflight.Inspect(bin)
	if err != nil || !rep.Deployable || rep.Kind != preflight.KindStatic {
		t.Fatalf("preflight of the exported binary: %+v, %v", rep, err)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("openfga version: %v\n%s", err, out)
	}
	for _, want := range []string{"v1.11.0", f.commit, f.date} {
		if !strings.Contains(string(out), want) {
			t.Errorf("openfga version does not print %q: %s", want, out)
		}
	}
	if strings.Contains(string(out), "dev") || strings.Contains(string(out), "none") {
		t.Errorf("openfga version is unstamped: %s", out)
	}
}

// The exported binary runs on this host: prove it serves a real check.
func TestBinaryServesARealCheck(t *testing.T) {
	f := loadFixture(t)
	bin := exportBinary(t, f)
	cmd := exec.Command(bin, "run", "--datastore-engine=memory", "--playground-enabled=false",
		"--http-addr=127.0.0.1:18181", "--grpc-addr=127.0.0.1:18182", "--metrics-enabled=false")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	c := &verify.Client{BaseURL: "http://127.0.0.1:18181"}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.WaitHealthy(ctx, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := c.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPreflightRefusesADynamicBinary(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	os.WriteFile(src, []byte("package main\nfunc main() { println(\"hi\") }\n"), 0o644)
	bad := filepath.Join(dir, "openfga-pie")
	build := exec.Command("go", "build", "-buildmode=pie", "-o", bad, src)
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GO111MODULE=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build a PIE without cgo (the kind that crashes at load on base-compat): %v\n%s", err, out)
	}
	r := dagger(t, 5*time.Minute, "preflight", "--file="+bad)
	if r.err == nil {
		t.Fatalf("preflight accepted a dynamic PIE:\n%s", r.stdout)
	}
	for _, want := range []string{"dynamic-pie", "exit 243", "CGO_ENABLED=0"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("refusal does not say %q:\n%s", want, tail(r.stderr, 20))
		}
	}
}

func TestPreflightAcceptsTheBuild(t *testing.T) {
	f := loadFixture(t)
	r := dagger(t, 20*time.Minute, f.moduleArgs("preflight")...).must(t)
	for _, want := range []string{`"deployable": true`, `"kind": "static"`, `"machine": "x86_64"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("preflight report lacks %s:\n%s", want, r.stdout)
		}
	}
}

// exportBinary runs `dagger call binary export` once per test binary run.
var binaryPath string

func exportBinary(t *testing.T, f fixture) string {
	t.Helper()
	if binaryPath != "" {
		return binaryPath
	}
	dir, err := os.MkdirTemp("", "ofk-e2e-bin")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "openfga")
	dagger(t, 30*time.Minute, f.moduleArgs("binary", "export", "--path="+path)...).must(t)
	binaryPath = path
	return path
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return fmtSHA(sum[:])
}
