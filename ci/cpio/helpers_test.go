package cpio

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// makeTree builds a small rootfs covering every entry type and the ordering
// and padding corner cases, and returns its path.
func makeTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	dirs := map[string]os.FileMode{
		"a": 0o755, "etc/ssl/certs": 0o755, "tmp": 0o777 | os.ModeSticky,
		"usr/bin": 0o755, "usr/lib": 0o755, "ro": 0o755,
	}
	for d, m := range dirs {
		must(t, os.MkdirAll(filepath.Join(root, d), 0o755))
		must(t, os.Chmod(filepath.Join(root, d), m))
	}
	files := map[string]struct {
		data string
		mode os.FileMode
	}{
		"a/b":                               {"b", 0o644},
		"a-b":                               {"dash", 0o640},
		"etc/ssl/certs/ca-certificates.crt": {"-----CERT-----\n", 0o644},
		"usr/bin/openfga":                   {strings.Repeat("\x7fELF", 1001), 0o755},
		"empty":                             {"", 0o600},
		"odd":                               {"abc", 0o644},
		"ro/file":                           {"read only\n", 0o444},
	}
	for f, c := range files {
		p := filepath.Join(root, f)
		must(t, os.WriteFile(p, []byte(c.data), 0o600))
		must(t, os.Chmod(p, c.mode))
	}
	must(t, os.Symlink("usr/lib", filepath.Join(root, "lib")))
	must(t, os.Symlink("/usr/share/zoneinfo/UTC", filepath.Join(root, "etc/localtime")))
	must(t, os.Chmod(filepath.Join(root, "ro"), 0o555))
	t.Cleanup(func() { os.Chmod(filepath.Join(root, "ro"), 0o755) })
	return root
}

// wantTree is the expected listing of makeTree once archived and extracted:
// the sticky bit on tmp is dropped, as kraftkit does.
var wantTree = []string{
	"a d0755",
	"a/b f0644 " + sum("b"),
	"a-b f0640 " + sum("dash"),
	"empty f0600 " + sum(""),
	"etc d0755",
	"etc/localtime l -> /usr/share/zoneinfo/UTC",
	"etc/ssl d0755",
	"etc/ssl/certs d0755",
	"etc/ssl/certs/ca-certificates.crt f0644 " + sum("-----CERT-----\n"),
	"lib l -> usr/lib",
	"odd f0644 " + sum("abc"),
	"ro d0555",
	"ro/file f0444 " + sum("read only\n"),
	"tmp d0777",
	"usr d0755",
	"usr/bin d0755",
	"usr/bin/openfga f0755 " + sum(strings.Repeat("\x7fELF", 1001)),
	"usr/lib d0755",
}

// listTree describes every entry under root, one line each, in walk order.
func listTree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, describe(t, filepath.ToSlash(rel), p, info))
		return nil
	})
	must(t, err)
	return out
}

func describe(t *testing.T, rel, p string, info fs.FileInfo) string {
	mode := info.Mode()
	perm := mode.Perm()
	if mode&os.ModeSticky != 0 {
		perm |= 0o1000
	}
	switch {
	case mode.IsDir():
		return fmt.Sprintf("%s d%04o", rel, perm)
	case mode&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		must(t, err)
		return fmt.Sprintf("%s l -> %s", rel, target)
	default:
		data, err := os.ReadFile(p)
		must(t, err)
		return fmt.Sprintf("%s f%04o %s", rel, perm, sum(string(data)))
	}
}

func sum(s string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(s)))[:16] }

func archive(t *testing.T, root string, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	must(t, WriteDir(&buf, root, opts))
	return buf.Bytes()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func equalLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
