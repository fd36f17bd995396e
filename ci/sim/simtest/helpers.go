package simtest

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// SyncBuffer is a log writer that concurrent writers may share (a deploy's
// log and the goroutines it starts). The zero value is empty and ready.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// NoSecrets fails the test for every text (by name) that contains one of
// the secrets. The message names the text and the secret's position in the
// list, never the secret, so that the test's own output does not leak it;
// empty secrets are ignored.
func NoSecrets(t testing.TB, texts map[string]string, secrets ...string) {
	t.Helper()
	names := make([]string, 0, len(texts))
	for name := range texts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for i, s := range secrets {
			if s != "" && strings.Contains(texts[name], s) {
				t.Errorf("%s shows secret %d of %d", name, i+1, len(secrets))
			}
		}
	}
}

// OpenFGABinary is the OpenFGA executable named by $OPENFGA_BIN, for the
// tests that run real OpenFGA; it skips the test when the variable is not
// set or names no file.
func OpenFGABinary(t testing.TB) string {
	t.Helper()
	p := os.Getenv("OPENFGA_BIN")
	if p == "" {
		t.Skip("OPENFGA_BIN is not set: build OpenFGA with `go run . build -o /tmp/openfga` and set OPENFGA_BIN=/tmp/openfga to run the tests against real OpenFGA")
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("OPENFGA_BIN=%s: %v", p, err)
	}
	return p
}

// PGDebs is the directory of Debian's PostgreSQL packages the PostgreSQL
// image is laid out from ($PG_DEBS, else where .ci/pg-rootfs.sh puts
// them); it skips the test when there are none.
func PGDebs(t testing.TB) string {
	t.Helper()
	d := os.Getenv("PG_DEBS")
	if d == "" {
		d = "/var/tmp/ofk-pgdebs"
	}
	if m, _ := filepath.Glob(filepath.Join(d, "postgresql-*.deb")); len(m) == 0 {
		t.Skipf("simtest: no PostgreSQL packages in %s: run `bash .ci/pg-rootfs.sh` (it prints PG_DEBS=...) to test with the PostgreSQL image", d)
	}
	return d
}
