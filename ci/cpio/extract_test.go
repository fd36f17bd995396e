package cpio

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	dst := t.TempDir()
	must(t, Extract(bytes.NewReader(archive(t, makeTree(t), Options{})), dst))
	t.Cleanup(func() { os.Chmod(filepath.Join(dst, "ro"), 0o755) })
	equalLines(t, listTree(t, dst), wantTree)
}

// Names may be "./x", "/x" or "x"; all land under dst.
func TestExtractAcceptsAbsoluteAndBareNames(t *testing.T) {
	arc := build(t,
		Header{Name: "/abs", Mode: TypeReg | 0o644, Size: 1},
		Header{Name: "bare", Mode: TypeReg | 0o644, Size: 1},
		Header{Name: ".", Mode: TypeDir | 0o700},
		Header{Name: "./deep/er/file", Mode: TypeReg | 0o600, Size: 1},
	)
	dst := t.TempDir()
	must(t, Extract(bytes.NewReader(arc), dst))
	equalLines(t, listTree(t, dst), []string{
		"abs f0644 " + sum("x"), "bare f0644 " + sum("x"),
		"deep d0755", "deep/er d0755", "deep/er/file f0600 " + sum("x"),
	})
}

func TestExtractRefusesTraversal(t *testing.T) {
	for _, name := range []string{"../evil", "./../evil", "/../evil", "a/../../evil", ".."} {
		t.Run(name, func(t *testing.T) {
			outer := t.TempDir()
			dst := filepath.Join(outer, "dst")
			arc := build(t, Header{Name: name, Mode: TypeReg | 0o644, Size: 1})
			if err := Extract(bytes.NewReader(arc), dst); !errors.Is(err, ErrUnsafePath) {
				t.Fatalf("got %v, want ErrUnsafePath", err)
			}
			assertOnly(t, outer, "dst")
		})
	}
}

// A symlink pointing out of dst must not carry a later entry with it.
func TestExtractRefusesEscapeThroughSymlink(t *testing.T) {
	for _, target := range []string{"..", "../..", "/tmp", "/"} {
		t.Run(target, func(t *testing.T) {
			outer := t.TempDir()
			dst := filepath.Join(outer, "dst")
			arc := build(t,
				Header{Name: "./link", Mode: TypeSymlink | 0o777, Linkname: target},
				Header{Name: "./link/evil", Mode: TypeReg | 0o644, Size: 1},
			)
			if err := Extract(bytes.NewReader(arc), dst); err == nil {
				t.Fatal("an entry was written through an escaping symlink")
			}
			assertOnly(t, outer, "dst")
			if _, err := os.Lstat(filepath.Join(target, "evil")); err == nil && filepath.IsAbs(target) {
				t.Fatalf("%s/evil was created", target)
			}
		})
	}
}

// A later entry replaces an earlier file or symlink of the same name.
func TestExtractLaterEntryWins(t *testing.T) {
	arc := build(t,
		Header{Name: "./f", Mode: TypeSymlink | 0o777, Linkname: "/etc/passwd"},
		Header{Name: "./f", Mode: TypeReg | 0o644, Size: 1},
	)
	dst := t.TempDir()
	must(t, Extract(bytes.NewReader(arc), dst))
	equalLines(t, listTree(t, dst), []string{"f f0644 " + sum("x")})
}

// build writes headers into an archive; each regular entry's data is "x"
// repeated Size times.
func build(t *testing.T, hs ...Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, h := range hs {
		must(t, w.WriteHeader(h))
		if h.Type() == TypeReg {
			_, err := w.Write(bytes.Repeat([]byte("x"), int(h.Size)))
			must(t, err)
		}
	}
	must(t, w.Close())
	return buf.Bytes()
}

// assertOnly checks dir holds exactly the entries named (or fewer).
func assertOnly(t *testing.T, dir string, allowed ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	must(t, err)
	for _, e := range entries {
		ok := false
		for _, a := range allowed {
			ok = ok || e.Name() == a
		}
		if !ok {
			t.Errorf("unexpected %s in %s", e.Name(), dir)
		}
	}
}
