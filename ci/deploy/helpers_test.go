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
	buildOnce sync.Once
	standin   string
	buildErr  error
)

// standinBinary compiles testdata/standin statically, once.
func standinBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "deploy-standin-")
		if err != nil {
			buildErr = err
			return
		}
		standin = filepath.Join(dir, "standin")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-tags", "netgo", "-o", standin, "./testdata/standin")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = &buildError{err, string(out)}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return standin
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
