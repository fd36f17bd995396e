package cpio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// ErrUnsafePath reports an entry name that would land outside the target.
var ErrUnsafePath = errors.New("cpio: entry path escapes the target directory")

// Extract unpacks the archive in r into dst, creating dst if needed.
//
// It is safe on untrusted input: names are cleaned, ".." is refused, and all
// file operations go through os.Root, so a symlink in the archive can never
// redirect a later entry outside dst (such an entry is an error). Symlinks
// are created as symlinks with their target unchanged; permission bits are
// applied (directory modes last, so read-only directories can be filled).
// Owners and mtimes are not restored; devices and fifos are skipped. Each
// entry is extracted on its own: size-0 hard-link placeholders (as GNU cpio
// writes them) become empty files.
func Extract(r io.Reader, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dst)
	if err != nil {
		return err
	}
	defer root.Close()
	x := &extractor{root: root, cr: NewReader(r)}
	if err := x.run(); err != nil {
		return err
	}
	return x.applyDirModes()
}

type extractor struct {
	root *os.Root
	cr   *Reader
	dirs []dirMode // directory modes to apply once all entries are written
}

type dirMode struct {
	name string
	mode fs.FileMode
}

func (x *extractor) run() error {
	for {
		h, err := x.cr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name, err := cleanName(h.Name)
		if err != nil {
			return err
		}
		if name == "." {
			continue // the archive root: dst itself
		}
		if err := x.entry(name, h); err != nil {
			return fmt.Errorf("cpio: extract %s: %w", h.Name, err)
		}
	}
}

func (x *extractor) entry(name string, h *Header) error {
	switch h.Type() {
	case TypeDir, TypeReg, TypeSymlink:
	default:
		return nil // devices, fifos, sockets: not ours to create
	}
	if err := x.root.MkdirAll(path.Dir(name), 0o755); err != nil {
		return err
	}
	switch h.Type() {
	case TypeDir:
		return x.dir(name, h)
	case TypeReg:
		return x.file(name, h)
	default:
		return x.symlink(name, h)
	}
}

func (x *extractor) dir(name string, h *Header) error {
	fi, err := x.root.Lstat(name)
	switch {
	case err == nil && fi.IsDir():
	case err == nil:
		if err := x.root.Remove(name); err != nil {
			return err
		}
		fallthrough
	default:
		// Owner-writable while extracting; the real mode comes at the end.
		if err := x.root.Mkdir(name, 0o700); err != nil {
			return err
		}
	}
	x.dirs = append(x.dirs, dirMode{name, fileMode(h.Mode)})
	return nil
}

func (x *extractor) file(name string, h *Header) error {
	if err := x.removeNonDir(name); err != nil {
		return err
	}
	f, err := x.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, x.cr)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return x.root.Chmod(name, fileMode(h.Mode))
}

func (x *extractor) symlink(name string, h *Header) error {
	if err := x.removeNonDir(name); err != nil {
		return err
	}
	return x.root.Symlink(h.Linkname, name)
}

// removeNonDir lets a later entry replace an earlier file or symlink of the
// same name, as cpio -u does. A directory is never replaced by a file.
func (x *extractor) removeNonDir(name string) error {
	fi, err := x.root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("a directory is in the way")
	}
	return x.root.Remove(name)
}

// applyDirModes sets directory modes in reverse archive order, children
// before parents, so a read-only parent is locked only after its children.
func (x *extractor) applyDirModes() error {
	for i := len(x.dirs) - 1; i >= 0; i-- {
		d := x.dirs[i]
		if err := x.root.Chmod(d.name, d.mode); err != nil {
			return err
		}
	}
	return nil
}

// cleanName maps an archive name ("./a", "/a", "a") to a slash path relative
// to the target, "." for the root, and refuses anything reaching above it.
func cleanName(name string) (string, error) {
	if hasDotDot(name) {
		return "", fmt.Errorf("%w: %q", ErrUnsafePath, name)
	}
	p := path.Clean("/" + name) // leading "/" and "./" both vanish here
	if p == "/" {
		return ".", nil
	}
	return p[1:], nil
}

// hasDotDot reports a ".." path element anywhere in name. Such names are
// refused outright rather than resolved, even when they would stay inside.
func hasDotDot(name string) bool {
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return true
		}
	}
	return false
}

// fileMode converts c_mode permission and special bits to an os.FileMode.
func fileMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}
