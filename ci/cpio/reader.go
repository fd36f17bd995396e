package cpio

import (
	"errors"
	"fmt"
	"io"
)

// Reader reads a newc archive entry by entry: Next, then the entry's data
// through Read. Next returns io.EOF at the TRAILER!!! record; an archive that
// ends without one is an io.ErrUnexpectedEOF.
type Reader struct {
	r         io.Reader
	remaining int64 // unread data of the current entry
	pad       int64 // padding after the current entry's data
	done      bool
}

// NewReader returns a Reader over the archive in r.
func NewReader(r io.Reader) *Reader { return &Reader{r: r} }

// Next skips what is left of the current entry and returns the next header.
// For symlinks the target is read into Linkname and no data remains.
func (r *Reader) Next() (*Header, error) {
	if r.done {
		return nil, io.EOF
	}
	if _, err := io.CopyN(io.Discard, r.r, r.remaining+r.pad); err != nil {
		return nil, noEOF(err)
	}
	r.remaining, r.pad = 0, 0
	h, err := r.readHeader()
	if err != nil {
		return nil, err
	}
	if h.Name == trailerName {
		r.done = true
		return nil, io.EOF
	}
	r.remaining, r.pad = h.Size, pad4(h.Size)
	if h.Type() == TypeSymlink {
		return h, r.readLinkname(h)
	}
	return h, nil
}

// Read reads data of the current entry.
func (r *Reader) Read(p []byte) (int, error) {
	if r.remaining == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.remaining {
		p = p[:r.remaining]
	}
	n, err := r.r.Read(p)
	r.remaining -= int64(n)
	if err == io.EOF && r.remaining > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (r *Reader) readHeader() (*Header, error) {
	var fixed [headerLen]byte
	if _, err := io.ReadFull(r.r, fixed[:]); err != nil {
		return nil, noEOF(err)
	}
	h, nameSize, err := decodeFixed(fixed[:])
	if err != nil {
		return nil, err
	}
	if nameSize < 2 || nameSize > maxNameSize {
		return nil, fmt.Errorf("%w: name size %d", ErrHeader, nameSize)
	}
	name := make([]byte, nameSize+pad4(headerLen+nameSize))
	if _, err := io.ReadFull(r.r, name); err != nil {
		return nil, noEOF(err)
	}
	if name[nameSize-1] != 0 {
		return nil, fmt.Errorf("%w: name not NUL-terminated", ErrHeader)
	}
	h.Name = string(name[:nameSize-1])
	return h, nil
}

func (r *Reader) readLinkname(h *Header) error {
	if h.Size < 1 || h.Size > maxNameSize {
		return fmt.Errorf("%w: %s: symlink target size %d", ErrHeader, h.Name, h.Size)
	}
	b := make([]byte, h.Size)
	if _, err := io.ReadFull(r, b); err != nil {
		return noEOF(err)
	}
	h.Linkname = string(b)
	return nil
}

// noEOF turns a clean EOF into ErrUnexpectedEOF: inside an archive, running
// out of bytes before the trailer is always truncation.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
