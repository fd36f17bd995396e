package cpio

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"
)

// Entries come in fs.WalkDir order ("a", "a/b", "a-b": pre-order, not a
// global sort), named "./…", with inodes 1, 2, … and every fixed field fixed.
func TestWriteDirEntryOrderAndFields(t *testing.T) {
	root := makeTree(t)
	r := NewReader(bytes.NewReader(archive(t, root, Options{})))
	var got []string
	for ino := uint32(1); ; ino++ {
		h, err := r.Next()
		if err == io.EOF {
			break
		}
		must(t, err)
		if h.Ino != ino || h.UID != 0 || h.GID != 0 || h.MTime != 0 {
			t.Errorf("%s: ino %d uid %d gid %d mtime %d", h.Name, h.Ino, h.UID, h.GID, h.MTime)
		}
		if want := map[uint32]uint32{TypeReg: 1}[h.Type()]; h.NLink != want {
			t.Errorf("%s: nlink %d, want %d", h.Name, h.NLink, want)
		}
		got = append(got, fmt.Sprintf("%s %06o", h.Name, h.Mode))
	}
	equalLines(t, got, []string{
		"./a 040755", "./a/b 100644", "./a-b 100640", "./empty 100600",
		"./etc 040755", "./etc/localtime 120777", "./etc/ssl 040755", "./etc/ssl/certs 040755",
		"./etc/ssl/certs/ca-certificates.crt 100644", "./lib 120777", "./odd 100644",
		"./ro 040555", "./ro/file 100444", "./tmp 040777", "./usr 040755", "./usr/bin 040755",
		"./usr/bin/openfga 100755", "./usr/lib 040755",
	})
}

// The same tree gives the same bytes, whatever the host mtimes say.
func TestWriteDirIsDeterministic(t *testing.T) {
	root := makeTree(t)
	first := sha256.Sum256(archive(t, root, Options{}))
	if again := sha256.Sum256(archive(t, root, Options{})); again != first {
		t.Fatal("two archives of the same tree differ")
	}
	touchAll(t, root, time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC))
	if touched := sha256.Sum256(archive(t, root, Options{})); touched != first {
		t.Fatal("host mtimes leaked into the archive")
	}
	other := makeTree(t) // a copy built separately: other inodes, other times
	if copied := sha256.Sum256(archive(t, other, Options{})); copied != first {
		t.Fatal("an identical tree at another path gives other bytes")
	}
}

func TestWriteDirUsesGivenMTime(t *testing.T) {
	const epoch = 1729512000 // 2024-10-21T12:00:00Z
	r := NewReader(bytes.NewReader(archive(t, makeTree(t), Options{MTime: epoch})))
	for {
		h, err := r.Next()
		if err == io.EOF {
			return
		}
		must(t, err)
		if h.MTime != epoch {
			t.Fatalf("%s: mtime %d, want %d", h.Name, h.MTime, epoch)
		}
	}
}

// WriteFS takes any fs.FS; an fstest.MapFS tree gives the same listing.
func TestWriteFSFromMapFS(t *testing.T) {
	fsys := fstest.MapFS{
		"bin/app":  {Data: []byte("app"), Mode: 0o755},
		"bin":      {Mode: fs.ModeDir | 0o755},
		"sh":       {Data: []byte("bin/app"), Mode: fs.ModeSymlink | 0o777},
		"data/x.y": {Data: []byte("xy"), Mode: 0o600},
	}
	var buf bytes.Buffer
	must(t, WriteFS(&buf, fsys, Options{}))
	dst := t.TempDir()
	must(t, Extract(&buf, dst))
	equalLines(t, listTree(t, dst), []string{
		"bin d0755", "bin/app f0755 " + sum("app"), "data d0555", "data/x.y f0600 " + sum("xy"), "sh l -> bin/app",
	})
}

func TestWriteDirRefusesAFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "f")
	must(t, os.WriteFile(f, nil, 0o644))
	if err := WriteDir(io.Discard, f, Options{}); err == nil {
		t.Fatal("WriteDir accepted a regular file as root")
	}
}

func touchAll(t *testing.T, root string, when time.Time) {
	t.Helper()
	must(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		return os.Chtimes(p, when, when)
	}))
}
