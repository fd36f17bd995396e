package cpio

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gnuCPIO returns the path of GNU cpio, or skips the test.
func gnuCPIO(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("cpio")
	if err != nil {
		t.Skip("cpio not installed")
	}
	return p
}

// GNU cpio must list and extract our archives to the same tree.
func TestGNUCPIOReadsOurArchive(t *testing.T) {
	bin := gnuCPIO(t)
	arc := archive(t, makeTree(t), Options{})

	list := exec.Command(bin, "-it", "--quiet")
	list.Stdin = bytes.NewReader(arc)
	out, err := list.CombinedOutput()
	if err != nil {
		t.Fatalf("cpio -it: %v\n%s", err, out)
	}
	if n := len(strings.Fields(string(out))); n != len(wantTree) {
		t.Errorf("cpio -it listed %d entries, want %d:\n%s", n, len(wantTree), out)
	}

	dst := t.TempDir()
	extract := exec.Command(bin, "-idm", "--quiet", "--no-absolute-filenames")
	extract.Dir, extract.Stdin = dst, bytes.NewReader(arc)
	if out, err := extract.CombinedOutput(); err != nil {
		t.Fatalf("cpio -idm: %v\n%s", err, out)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(dst, "ro"), 0o755) })
	equalLines(t, listTree(t, dst), wantTree)
}

// Our reader must unpack what GNU cpio writes in newc format.
func TestExtractReadsGNUArchive(t *testing.T) {
	bin := gnuCPIO(t)
	src := makeTree(t)
	names := listNames(t, src)

	create := exec.Command(bin, "-o", "-H", "newc", "--quiet")
	create.Dir, create.Stdin = src, strings.NewReader(strings.Join(names, "\n")+"\n")
	var arc, stderr bytes.Buffer
	create.Stdout, create.Stderr = &arc, &stderr
	if err := create.Run(); err != nil {
		t.Fatalf("cpio -o: %v\n%s", err, stderr.String())
	}
	dst := t.TempDir()
	must(t, Extract(&arc, dst))
	t.Cleanup(func() { os.Chmod(filepath.Join(dst, "ro"), 0o755) })
	// GNU cpio keeps the sticky bit we drop when writing.
	want := append([]string(nil), wantTree...)
	for i, l := range want {
		want[i] = strings.Replace(l, "tmp d0777", "tmp d1777", 1)
	}
	equalLines(t, listTree(t, dst), want)
}

// listNames returns "./"-prefixed names of every entry below root.
func listNames(t *testing.T, root string) []string {
	var names []string
	for _, l := range listTree(t, root) {
		names = append(names, "./"+strings.Fields(l)[0])
	}
	return names
}
