package unikernel

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/cpio"
)

// Unikernel is a unikernel image read back from a registry or an index.
type Unikernel struct {
	IndexDigest    v1.Hash
	ManifestDigest v1.Hash
	Platform       ocispec.Platform // from the index's manifest descriptor
	Manifest       ocispec.Manifest
	Config         ocispec.Image
	image          v1.Image
}

// Open fetches the image index at ref (tag or digest).
func Open(ctx context.Context, ref string, acc Access) (*Unikernel, error) {
	r, opts, err := acc.prepare(ctx, ref)
	if err != nil {
		return nil, err
	}
	idx, err := remote.Index(r, opts...)
	if err != nil {
		return nil, acc.scrub(fmt.Errorf("unikernel: open %s: %w", ref, err))
	}
	u, err := FromIndex(idx)
	return u, acc.scrub(err)
}

// FromIndex reads the kraftcloud/x86_64 image of an index. It checks the
// layout the platform relies on: a kernel layer and an initrd layer.
func FromIndex(idx v1.ImageIndex) (*Unikernel, error) {
	d, err := selectFromIndex(idx)
	if err != nil {
		return nil, fmt.Errorf("unikernel: %w", err)
	}
	u := &Unikernel{Platform: *d.Platform}
	if u.IndexDigest, err = idx.Digest(); err != nil {
		return nil, err
	}
	if u.ManifestDigest, err = toHash(d); err != nil {
		return nil, err
	}
	if u.image, err = idx.Image(u.ManifestDigest); err != nil {
		return nil, err
	}
	if err := unmarshalRaw(u.image.RawManifest, &u.Manifest); err != nil {
		return nil, fmt.Errorf("unikernel: manifest: %w", err)
	}
	if err := unmarshalRaw(u.image.RawConfigFile, &u.Config); err != nil {
		return nil, fmt.Errorf("unikernel: config: %w", err)
	}
	for _, key := range []string{AnnotationKernel, AnnotationInitrd} {
		if _, ok := annotatedLayer(u.Manifest.Layers, key); !ok {
			return nil, fmt.Errorf("unikernel: image %s has no layer annotated %s", u.IndexDigest, key)
		}
	}
	return u, nil
}

// Cmd, Env and Labels are the config's, as the platform reads them.
func (u *Unikernel) Cmd() []string             { return u.Config.Config.Cmd }
func (u *Unikernel) Env() []string             { return u.Config.Config.Env }
func (u *Unikernel) Labels() map[string]string { return u.Config.Config.Labels }

// Kernel returns the kernel file.
func (u *Unikernel) Kernel() ([]byte, error) { return u.layerFile(AnnotationKernel) }

// Initrd returns the initrd file as stored (a newc archive, possibly gzip'd).
func (u *Unikernel) Initrd() ([]byte, error) { return u.layerFile(AnnotationInitrd) }

// UnpackRootfs extracts the initrd into dst through cpio.Extract, which
// refuses entries that would land outside dst.
func (u *Unikernel) UnpackRootfs(dst string) error {
	b, err := u.Initrd()
	if err != nil {
		return err
	}
	r, err := initrdReader(b)
	if err != nil {
		return err
	}
	return cpio.Extract(r, dst)
}

// initrdReader accepts a newc archive, plain or gzip'd (kraft --compress).
// Anything else, an EROFS image for example, is refused by name.
func initrdReader(b []byte) (io.Reader, error) {
	var r io.Reader = bytes.NewReader(b)
	if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("unikernel: initrd: %w", err)
		}
		r = zr
	}
	br := bufio.NewReader(r)
	head, _ := br.Peek(6)
	if string(head) != "070701" && string(head) != "070702" {
		return nil, errors.New("unikernel: initrd is not a cpio newc archive (EROFS is not supported here)")
	}
	return br, nil
}

func (u *Unikernel) layerFile(key string) ([]byte, error) {
	i, _ := annotatedLayer(u.Manifest.Layers, key)
	d := u.Manifest.Layers[i]
	h, err := toHash(d)
	if err != nil {
		return nil, err
	}
	l, err := u.image.LayerByDigest(h)
	if err != nil {
		return nil, err
	}
	b, err := readTarFile(l, d.Annotations[key])
	if err != nil {
		return nil, fmt.Errorf("unikernel: layer %s: %w", d.Digest, err)
	}
	return b, nil
}

// annotatedLayer finds the first layer carrying the annotation key.
func annotatedLayer(layers []ocispec.Descriptor, key string) (int, bool) {
	for i, d := range layers {
		if d.Annotations[key] != "" {
			return i, true
		}
	}
	return 0, false
}
