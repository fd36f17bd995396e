package ociimage

import (
	"bytes"
	"encoding/json"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Layer is the image's one layer as a blob: the digest and size of its gzip
// stream, and the digest of the uncompressed tar (the diff ID).
type Layer struct {
	Digest v1.Hash
	Size   int64
	DiffID v1.Hash
}

// Layout is every file of the OCI image layout except the layer blob, by
// path: oci-layout, index.json and the config and manifest blobs. The layer
// blob goes at blobs/sha256/<Layer.Digest.Hex>.
func Layout(l Layer, c Config, refName string) (map[string][]byte, error) {
	config, err := json.Marshal(v1.ConfigFile{
		Architecture: "amd64",
		OS:           "linux",
		Created:      v1.Time{Time: c.Created},
		Config:       v1.Config{Entrypoint: c.Entrypoint, Cmd: c.Cmd, Env: c.Env, Labels: c.Labels},
		RootFS:       v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{l.DiffID}},
		History:      []v1.History{{Created: v1.Time{Time: c.Created}, CreatedBy: "openfga-kraftcloud rootfs"}},
	})
	if err != nil {
		return nil, err
	}
	configDesc := descriptor(types.OCIConfigJSON, config)
	manifest, err := json.Marshal(v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        configDesc,
		Layers:        []v1.Descriptor{{MediaType: types.OCILayer, Size: l.Size, Digest: l.Digest}},
	})
	if err != nil {
		return nil, err
	}
	manifestDesc := descriptor(types.OCIManifestSchema1, manifest)
	manifestDesc.Platform = &v1.Platform{Architecture: "amd64", OS: "linux"}
	if refName != "" {
		manifestDesc.Annotations = map[string]string{"org.opencontainers.image.ref.name": refName}
	}
	index, err := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{manifestDesc}})
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		"oci-layout":                              []byte(`{"imageLayoutVersion":"1.0.0"}`),
		"index.json":                              index,
		"blobs/sha256/" + configDesc.Digest.Hex:   config,
		"blobs/sha256/" + manifestDesc.Digest.Hex: manifest,
	}, nil
}

func descriptor(mt types.MediaType, b []byte) v1.Descriptor {
	h, _, _ := v1.SHA256(bytes.NewReader(b))
	return v1.Descriptor{MediaType: mt, Size: int64(len(b)), Digest: h}
}
