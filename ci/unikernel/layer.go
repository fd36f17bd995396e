package unikernel

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// maxFileSize bounds what readTarFile loads into memory; a KraftCloud kernel
// is tens of MiB and a newc initrd cannot exceed 4 GiB per file anyway.
const maxFileSize = 4 << 30

// tarFile wraps data in the single-entry, uncompressed tar kraftkit writes
// for kernel and initrd layers (archive/archive.go TarFileWriter, called
// with its times stripped from oci/layer.go): one regular file named
// after dest without its leading "/", mode 0644 (how kraftkit creates the
// initrd file), uid/gid 0, empty user/group names, mtime 0, USTAR, no
// directory entries, two zero blocks at the end and no record padding.
func tarFile(dest string, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     strings.TrimPrefix(dest, "/"),
		Mode:     0o644,
		Size:     int64(len(data)),
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// readTarFile returns the content of the regular file at path (with or
// without a leading "/" or "./") inside a layer's tar.
func readTarFile(l v1.Layer, path string) ([]byte, error) {
	rc, err := l.Compressed() // our layers are plain tar: the blob as stored
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	want := cleanTarName(path)
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("no %s in layer", path)
		}
		if err != nil {
			return nil, err
		}
		if cleanTarName(h.Name) != want || h.Typeflag != tar.TypeReg {
			continue
		}
		if h.Size > maxFileSize {
			return nil, fmt.Errorf("%s is %d bytes, too large", path, h.Size)
		}
		return io.ReadAll(tr)
	}
}

func cleanTarName(s string) string {
	return strings.TrimPrefix(strings.TrimPrefix(s, "."), "/")
}
