package cpio

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// File type bits of c_mode (the classic S_IF* values).
const (
	TypeMask    uint32 = 0o170000
	TypeDir     uint32 = 0o040000
	TypeReg     uint32 = 0o100000
	TypeSymlink uint32 = 0o120000
)

const (
	magicNewc    = "070701"
	magicNewcCRC = "070702" // same layout plus a checksum we do not verify
	headerLen    = 110
	trailerName  = "TRAILER!!!"
	maxNameSize  = 4096 // PATH_MAX, as kraftkit's reader enforces
	maxFieldSize = 0xFFFFFFFF
)

// ErrHeader reports a malformed newc header.
var ErrHeader = errors.New("cpio: invalid newc header")

// Header is one archive entry. Fields the writer always zeroes (dev, rdev,
// check) are not represented.
type Header struct {
	Name     string
	Mode     uint32 // type bits | permission bits, as stored in c_mode
	UID, GID uint32
	NLink    uint32
	MTime    int64 // seconds since the Unix epoch
	Size     int64 // data length; for symlinks, len(Linkname)
	Ino      uint32
	Linkname string // symlink target (the entry's data)
}

// Type returns the file type bits of the entry.
func (h *Header) Type() uint32 { return h.Mode & TypeMask }

// pad4 returns how many NUL bytes bring n up to a multiple of 4.
func pad4(n int64) int64 { return (4 - n%4) % 4 }

// encodeHeader returns the 110-byte header, the name, its NUL and padding.
func encodeHeader(h *Header) ([]byte, error) {
	if err := checkEncodable(h); err != nil {
		return nil, err
	}
	fields := []int64{
		int64(h.Ino), int64(h.Mode), int64(h.UID), int64(h.GID), int64(h.NLink),
		h.MTime, h.Size, 0, 0, 0, 0, int64(len(h.Name) + 1), 0,
	}
	b := make([]byte, 0, headerLen+len(h.Name)+4)
	b = append(b, magicNewc...)
	for _, f := range fields {
		b = fmt.Appendf(b, "%08X", f)
	}
	b = append(b, h.Name...)
	b = append(b, 0)
	for range pad4(int64(len(b))) {
		b = append(b, 0)
	}
	return b, nil
}

func checkEncodable(h *Header) error {
	switch {
	case h.Name == "" || len(h.Name)+1 > maxNameSize:
		return fmt.Errorf("cpio: bad name length %d for %q", len(h.Name), h.Name)
	case strings.IndexByte(h.Name, 0) >= 0:
		return fmt.Errorf("cpio: name %q contains NUL", h.Name)
	case h.Size < 0 || h.Size > maxFieldSize:
		return fmt.Errorf("cpio: %s: size %d does not fit newc", h.Name, h.Size)
	case h.MTime < 0 || h.MTime > maxFieldSize:
		return fmt.Errorf("cpio: %s: mtime %d does not fit newc", h.Name, h.MTime)
	}
	return nil
}

// decodeFixed parses the 110-byte fixed part and returns the header (without
// name) and the name size.
func decodeFixed(b []byte) (*Header, int64, error) {
	if m := string(b[:6]); m != magicNewc && m != magicNewcCRC {
		return nil, 0, fmt.Errorf("%w: magic %q", ErrHeader, m)
	}
	var f [13]uint64
	for i := range f {
		s := string(b[6+8*i : 14+8*i])
		v, err := strconv.ParseUint(s, 16, 32)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: field %d %q", ErrHeader, i, s)
		}
		f[i] = v
	}
	h := &Header{
		Ino: uint32(f[0]), Mode: uint32(f[1]), UID: uint32(f[2]), GID: uint32(f[3]),
		NLink: uint32(f[4]), MTime: int64(f[5]), Size: int64(f[6]),
	}
	return h, int64(f[11]), nil
}
