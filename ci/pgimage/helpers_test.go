package pgimage

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// debsDir is where .ci/pg-rootfs.sh put Debian's packages ($PG_DEBS).
func debsDir(t testing.TB) string {
	t.Helper()
	d := os.Getenv("PG_DEBS")
	if d == "" {
		d = "/var/tmp/ofk-pgdebs"
	}
	if m, _ := filepath.Glob(filepath.Join(d, "postgresql-*.deb")); len(m) == 0 {
		t.Skipf("no PostgreSQL packages in %s: run `bash .ci/pg-rootfs.sh` (it prints PG_DEBS=...) to test the PostgreSQL image", d)
	}
	return d
}

func TestMain(m *testing.M) {
	code := m.Run()
	if rootDir != "" {
		_ = os.RemoveAll(filepath.Dir(rootDir))
	}
	os.Exit(code)
}

var (
	rootOnce sync.Once
	rootDir  string
	rootRes  Result
	rootErr  error
)

// testRootfs lays the image out once per test binary.
func testRootfs(t testing.TB) (string, Result) {
	t.Helper()
	debs := debsDir(t)
	rootOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "pgimage-test-")
		if err != nil {
			rootErr = err
			return
		}
		ep := filepath.Join(tmp, "pg-entrypoint")
		if rootErr = BuildEntrypoint(context.Background(), ep); rootErr != nil {
			return
		}
		rootDir = filepath.Join(tmp, "rootfs")
		rootRes, rootErr = Layout(context.Background(), Options{Debs: debs, Out: rootDir, Entrypoint: ep})
	})
	if rootErr != nil {
		t.Fatal(rootErr)
	}
	return rootDir, rootRes
}
