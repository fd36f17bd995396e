package cpio

import (
	"errors"
	"fmt"
	"io"
)

// Writer writes a newc archive entry by entry: WriteHeader, then exactly
// Header.Size bytes of data through Write, then the next header, then Close.
type Writer struct {
	w         io.Writer
	remaining int64 // data bytes still owed for the current entry
	pad       int64 // NULs to write once the current entry's data is complete
	ino       uint32
	closed    bool
}

// NewWriter returns a Writer that writes the archive to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// ErrWriteTooLong reports data beyond the size announced in the header.
var ErrWriteTooLong = errors.New("cpio: write too long")

// WriteHeader starts a new entry. Like kraftkit's writer it fills in what the
// caller left zero: the inode from a counter of every entry written (1, 2, …),
// the regular-file type, and nlink 1 for regular files. For a symlink the data
// is h.Linkname, written here; Size is taken from it.
func (w *Writer) WriteHeader(h Header) error {
	if err := w.finishEntry(); err != nil {
		return err
	}
	w.ino++
	if h.Ino == 0 {
		h.Ino = w.ino
	}
	if h.Type() == 0 {
		h.Mode |= TypeReg
	}
	if h.Type() == TypeReg && h.NLink == 0 {
		h.NLink = 1
	}
	if h.Type() == TypeSymlink {
		h.Size = int64(len(h.Linkname))
	}
	if err := w.writeRaw(&h); err != nil {
		return err
	}
	if h.Type() == TypeSymlink {
		_, err := io.WriteString(w, h.Linkname)
		return err
	}
	return nil
}

// Write writes data of the current entry.
func (w *Writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, errors.New("cpio: write after close")
	}
	if int64(len(p)) > w.remaining {
		return 0, ErrWriteTooLong
	}
	n, err := w.w.Write(p)
	w.remaining -= int64(n)
	return n, err
}

// Close writes the TRAILER!!! record (ino 0, nlink 1, everything else 0). It
// does not pad the archive to a 512-byte block, as kraftkit does not either.
// It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	if err := w.finishEntry(); err != nil {
		return err
	}
	w.closed = true
	return w.writeRaw(&Header{Name: trailerName, NLink: 1})
}

func (w *Writer) writeRaw(h *Header) error {
	b, err := encodeHeader(h)
	if err != nil {
		return err
	}
	if _, err := w.w.Write(b); err != nil {
		return err
	}
	w.remaining, w.pad = h.Size, pad4(h.Size)
	return nil
}

// finishEntry checks the current entry got all its data and pads it.
func (w *Writer) finishEntry() error {
	if w.closed {
		return errors.New("cpio: write after close")
	}
	if w.remaining != 0 {
		return fmt.Errorf("cpio: entry is %d bytes short", w.remaining)
	}
	if _, err := w.w.Write(make([]byte, w.pad)); err != nil {
		return err
	}
	w.pad = 0
	return nil
}
