package pgimage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/rootpath"
)

func TestLayout(t *testing.T) {
	root, res := testRootfs(t)
	if res.Major == "" || res.Bytes > 130<<20 {
		t.Fatalf("major %q, %d MiB (want a small image)", res.Major, res.Bytes>>20)
	}
	t.Logf("PostgreSQL %s rootfs: %d MiB; dropped %d module(s)", res.Major, res.Bytes>>20, len(res.Dropped))
	for _, p := range []string{EntrypointPath, "/usr/lib/postgresql/current/bin/postgres", "/usr/lib/postgresql/current/bin/initdb",
		"/bin/sh", "/lib64/ld-linux-x86-64.so.2", "/etc/passwd", "/etc/postgresql/pg_hba.conf", "/usr/share/postgresql/" + res.Major + "/postgres.bki"} {
		if _, err := rootpath.Find(root, p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, gone := range []string{"usr/share/doc", "usr/lib/postgresql/" + res.Major + "/bin/pg_dump", "usr/lib/postgresql/" + res.Major + "/lib/bitcode"} {
		if _, err := os.Lstat(filepath.Join(root, gone)); err == nil {
			t.Errorf("%s should have been trimmed", gone)
		}
	}
	if err := loadable(root, "/usr/lib/postgresql/current/bin/postgres"); err != nil {
		t.Error(err)
	}
	passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	if !strings.Contains(string(passwd), "postgres:x:") {
		t.Error("no postgres user: the server refuses to run as root")
	}
}

func TestLoadableNamesTheMissingLibrary(t *testing.T) {
	root, _ := testRootfs(t)
	// a copy of the server without one of its libraries
	tmp := t.TempDir()
	if err := os.CopyFS(tmp, os.DirFS(root)); err != nil {
		t.Fatal(err)
	}
	lib, ok := findLib(tmp, "libicuuc.so.72")
	if !ok {
		t.Skip("the server does not link ICU 72 here")
	}
	host, _ := rootpath.Find(tmp, lib)
	if err := os.Remove(host); err != nil {
		t.Fatal(err)
	}
	err := loadable(tmp, "/usr/lib/postgresql/current/bin/postgres")
	if err == nil || !strings.Contains(err.Error(), "libicu") {
		t.Fatalf("got %v, want the missing ICU library named", err)
	}
}

func TestServerFlags(t *testing.T) {
	f := strings.Join(ServerFlags(512, 1024), " ")
	for _, want := range []string{"shared_buffers=104MB", "max_wal_size=256MB", "max_connections=100"} {
		if !strings.Contains(f, want) {
			t.Errorf("%s: missing %s", f, want)
		}
	}
	if f := strings.Join(ServerFlags(128, 100), " "); !strings.Contains(f, "shared_buffers=16MB") || !strings.Contains(f, "max_wal_size=64MB") {
		t.Errorf("small instance: %s", f)
	}
}
