package unikernel

import (
	"bytes"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// rawImage is a v1.Image over exact manifest and config bytes. ggcr's own
// builders (mutate, partial) re-marshal JSON through ggcr's v1 structs, whose
// field order differs from image-spec's (v1.Descriptor writes size before
// digest, v1.ConfigFile always writes created), which would break byte
// equality with kraftkit. Layers are kept as given so a
// remote.MountableLayer from the runtime stays mountable.
type rawImage struct {
	manifest []byte
	config   []byte
	layers   []v1.Layer // in manifest order
}

var _ v1.Image = (*rawImage)(nil)

func (i *rawImage) Layers() ([]v1.Layer, error)         { return i.layers, nil }
func (i *rawImage) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (i *rawImage) Size() (int64, error)                { return int64(len(i.manifest)), nil }
func (i *rawImage) RawManifest() ([]byte, error)        { return i.manifest, nil }
func (i *rawImage) RawConfigFile() ([]byte, error)      { return i.config, nil }
func (i *rawImage) Digest() (v1.Hash, error)            { return sha(i.manifest), nil }
func (i *rawImage) ConfigName() (v1.Hash, error)        { return sha(i.config), nil }

func (i *rawImage) ConfigFile() (*v1.ConfigFile, error) {
	return v1.ParseConfigFile(bytes.NewReader(i.config))
}

func (i *rawImage) Manifest() (*v1.Manifest, error) {
	return v1.ParseManifest(bytes.NewReader(i.manifest))
}

func (i *rawImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	for _, l := range i.layers {
		if d, err := l.Digest(); err == nil && d == h {
			return l, nil
		}
	}
	return nil, fmt.Errorf("unikernel: no layer %s in image", h)
}

// LayerByDiffID: every layer here is an uncompressed tar, so diff ID and
// digest coincide (the config's rootfs.diff_ids lists the layer digests, as
// kraftkit's oci/manifest.go writes them).
func (i *rawImage) LayerByDiffID(h v1.Hash) (v1.Layer, error) { return i.LayerByDigest(h) }

// rawIndex is a v1.ImageIndex over exact index bytes with one child image.
type rawIndex struct {
	index []byte
	image *rawImage
}

var _ v1.ImageIndex = (*rawIndex)(nil)

func (x *rawIndex) MediaType() (types.MediaType, error) { return types.OCIImageIndex, nil }
func (x *rawIndex) Digest() (v1.Hash, error)            { return sha(x.index), nil }
func (x *rawIndex) Size() (int64, error)                { return int64(len(x.index)), nil }
func (x *rawIndex) RawManifest() ([]byte, error)        { return x.index, nil }

func (x *rawIndex) IndexManifest() (*v1.IndexManifest, error) {
	return v1.ParseIndexManifest(bytes.NewReader(x.index))
}

func (x *rawIndex) Image(h v1.Hash) (v1.Image, error) {
	if d, _ := x.image.Digest(); d == h {
		return x.image, nil
	}
	return nil, fmt.Errorf("unikernel: no image %s in index", h)
}

func (x *rawIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	return nil, fmt.Errorf("unikernel: no nested index %s", h)
}

func sha(b []byte) v1.Hash {
	h, _, _ := v1.SHA256(bytes.NewReader(b))
	return h
}
