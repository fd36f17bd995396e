package pgimage

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

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
	debs := simtest.PGDebs(t)
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
