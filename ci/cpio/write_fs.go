package cpio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Options tune WriteDir and WriteFS.
type Options struct {
	// MTime is written as the mtime of every entry, in seconds since the Unix
	// epoch. Zero (the default) writes 0; pass SOURCE_DATE_EPOCH to pin it to
	// the source's commit date. Host mtimes are never used.
	MTime int64
}

// WriteDir writes the tree under root (root itself excluded) as a complete
// newc archive, trailer included. Symlinks are stored, never followed.
func WriteDir(w io.Writer, root string, opts Options) error {
	fi, err := os.Stat(root)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("cpio: %s is not a directory", root)
	}
	return WriteFS(w, os.DirFS(root), opts)
}

// WriteFS is WriteDir over any file system. fsys must implement
// fs.ReadLinkFS if it holds symlinks.
func WriteFS(w io.Writer, fsys fs.FS, opts Options) error {
	cw := NewWriter(w)
	// fs.WalkDir visits in lexical order within each directory, pre-order:
	// the order kraftkit's directory builder (initrd/directory.go) uses.
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		return writeEntry(cw, fsys, p, d, opts)
	})
	if err != nil {
		return err
	}
	return cw.Close()
}

func writeEntry(cw *Writer, fsys fs.FS, p string, d fs.DirEntry, opts Options) error {
	info, err := d.Info()
	if err != nil {
		return err
	}
	h := Header{Name: "./" + p, MTime: opts.MTime}
	// Perm() alone: kraftkit's initrd builders drop setuid/setgid/sticky.
	perm := uint32(info.Mode().Perm())
	switch mode := info.Mode(); {
	case mode.IsDir():
		h.Mode = TypeDir | perm
		return cw.WriteHeader(h)
	case mode&fs.ModeSymlink != 0:
		if h.Linkname, err = fs.ReadLink(fsys, p); err != nil {
			return err
		}
		h.Mode = TypeSymlink | 0o777 // Linux symlink mode, whatever the host says
		return cw.WriteHeader(h)
	case mode.IsRegular():
		h.Mode, h.Size = TypeReg|perm, info.Size()
		if err := cw.WriteHeader(h); err != nil {
			return err
		}
		return copyFile(cw, fsys, p, h.Size)
	default:
		return nil // devices, fifos, sockets: skipped, as kraftkit does
	}
}

// copyFile writes exactly size bytes of the file; a file that changed size
// since it was stat'ed is an error rather than a corrupt archive.
func copyFile(cw *Writer, fsys fs.FS, p string, size int64) error {
	f, err := fsys.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(cw, io.LimitReader(f, size+1))
	if errors.Is(err, ErrWriteTooLong) || (err == nil && n != size) {
		return fmt.Errorf("cpio: %s changed size while archiving", p)
	}
	return err
}
