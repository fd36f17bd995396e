package cpio

import (
	"bytes"
	"io"
	"testing"
)

// The trailer kraftkit's cpio/writer.go Close writes: a newc header with
// nlink 1 and namesize 0xB for "TRAILER!!!", padded to 124 bytes.
func TestEmptyArchiveIsTheDocumentedTrailer(t *testing.T) {
	var buf bytes.Buffer
	must(t, NewWriter(&buf).Close())
	want := "070701" + "00000000" + "00000000" + "00000000" + "00000000" + "00000001" +
		"00000000" + "00000000" + "00000000" + "00000000" + "00000000" + "00000000" +
		"0000000B" + "00000000" + "TRAILER!!!\x00" + "\x00\x00\x00"
	if got := buf.String(); got != want {
		t.Fatalf("trailer:\n got %q\nwant %q", got, want)
	}
	if buf.Len() != 124 {
		t.Fatalf("trailer length %d, want 124", buf.Len())
	}
}

// The header kraftkit's cpio/svr4.go writes for /usr/bin/openfga as its
// Dockerfile builder (initrd/dockerfile.go) passes the entry: mode 0100755,
// uid/gid 0, nlink 1, namesize 0x11, one NUL of padding.
func TestRegularFileHeaderLayout(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	must(t, w.WriteHeader(Header{Name: "/usr/bin/openfga", Mode: TypeReg | 0o755, Size: 5}))
	_, err := w.Write([]byte("hello"))
	must(t, err)
	must(t, w.Close())
	want := "070701" + "00000001" + "000081ED" + "00000000" + "00000000" + "00000001" +
		"00000000" + "00000005" + "00000000" + "00000000" + "00000000" + "00000000" +
		"00000011" + "00000000" + "/usr/bin/openfga\x00" + "\x00" + "hello\x00\x00\x00"
	if got := buf.String()[:len(want)]; got != want {
		t.Fatalf("header:\n got %q\nwant %q", got, want)
	}
}

func TestWriterRefusesShortAndLongData(t *testing.T) {
	w := NewWriter(io.Discard)
	must(t, w.WriteHeader(Header{Name: "./f", Mode: TypeReg | 0o644, Size: 2}))
	if _, err := w.Write([]byte("abc")); err != ErrWriteTooLong {
		t.Fatalf("long write: %v", err)
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close accepted an entry with missing data")
	}
}

func TestReaderRejectsTruncatedAndGarbage(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	must(t, w.WriteHeader(Header{Name: "./f", Mode: TypeReg | 0o644, Size: 3}))
	_, _ = w.Write([]byte("abc"))
	must(t, w.Close())
	full := buf.Bytes()
	for _, cut := range []int{0, 50, 120, len(full) - 10} {
		if err := readAll(full[:cut]); err != io.ErrUnexpectedEOF {
			t.Errorf("cut at %d: %v, want ErrUnexpectedEOF", cut, err)
		}
	}
	garbage := append([]byte("070799"), full[6:]...)
	if err := readAll(garbage); err == nil {
		t.Error("bad magic accepted")
	}
}

func readAll(b []byte) error {
	r := NewReader(bytes.NewReader(b))
	for {
		if _, err := r.Next(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
	}
}
