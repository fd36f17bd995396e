package rootpath

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestResolveFollowsLinksInsideTheRoot(t *testing.T) {
	root := t.TempDir()
	mk := func(p string) {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(root, p), []byte(p), 0o644)
	}
	ln := func(target, p string) {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		if err := os.Symlink(target, filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
	}
	mk("lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
	ln("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "lib64/ld-linux-x86-64.so.2") // absolute: inside root
	ln("usr/lib", "lib2")                                                          // relative
	mk("usr/lib/libc.so.6")
	ln("../../../../etc/passwd", "usr/escape") // ".." stops at the top
	ln("loop", "loop")

	cases := []struct{ in, want string }{
		{"/lib64/ld-linux-x86-64.so.2", "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"},
		{"/lib2/libc.so.6", "usr/lib/libc.so.6"},
		{"/usr/escape", "etc/passwd"},
		{"../../lib2/libc.so.6", "usr/lib/libc.so.6"},
	}
	for _, c := range cases {
		got, err := Resolve(root, c.in)
		if err != nil || got != filepath.Join(root, c.want) {
			t.Errorf("Resolve(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	if _, err := Resolve(root, "/loop"); !errors.Is(err, ErrLoop) {
		t.Errorf("a symlink loop: %v", err)
	}
	if _, err := Find(root, "/usr/escape"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Find of a missing file: %v", err)
	}
	if _, err := Find(root, "/lib64/ld-linux-x86-64.so.2"); err != nil {
		t.Errorf("Find: %v", err)
	}
}
