package deploy

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
)

// testToken is a well-formed token for tests that never reach an API.
var testToken = base64.StdEncoding.EncodeToString([]byte("robot$acme.users.kraftcloud:s3cr3t-token-secret"))

// testKey is a preshared key; no output may ever show it.
const testKey = "k3y-0123456789abcdef-preshared"

// refuseAll is an API that fails the test on any request: validation
// must send nothing.
func refuseAll(t *testing.T) (*kraftcloud.Client, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		t.Errorf("request sent during validation: %s %s", r.Method, r.URL.Path)
		http.Error(w, "no", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	c, err := kraftcloud.New(srv.URL, testToken)
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

var (
	buildMu sync.Mutex
	built   = map[string]string{}
)

// standinBinary compiles testdata/standin with CGO_ENABLED=0 and the
// static build's flags, or with extraFlags instead (e.g. the seed's
// -buildmode=pie), once per flag set.
func standinBinary(t testing.TB, extraFlags ...string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	key := strings.Join(extraFlags, " ")
	if p, ok := built[key]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "deploy-standin-")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "standin")
	flags := extraFlags
	if len(flags) == 0 {
		flags = []string{"-trimpath", "-ldflags=-s -w", "-tags", "netgo"}
	}
	args := append(append([]string{"build"}, flags...), "-o", out, "./testdata/standin")
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatal(&buildError{err, string(b)})
	}
	built[key] = out
	return out
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// rootfsWith lays out a rootfs whose /usr/bin/openfga is a copy of bin.
func rootfsWith(t testing.TB, bin string, mode os.FileMode) string {
	t.Helper()
	root := t.TempDir()
	dst := filepath.Join(root, "usr", "bin", "openfga")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, bin, dst, mode)
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "hosts"), []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func copyFile(t testing.TB, src, dst string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dst, mode); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a log writer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// noSecrets fails the test if any text shows a secret.
func noSecrets(t *testing.T, texts map[string]string, secrets ...string) {
	t.Helper()
	for name, text := range texts {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("%s shows a secret (%.6s…)", name, s)
			}
		}
	}
}

// TestMain removes the stand-in binaries the tests compiled.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, p := range built {
		os.RemoveAll(filepath.Dir(p))
	}
	os.Exit(code)
}
