package sim

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// BaseCompat is the runtime every project image builds on (the Kraftfile's
// "runtime: base-compat:latest", an official image), as seeded in the
// simulator's registry.
const BaseCompat = "official/base-compat:latest"

// placeholderKernel is the content of the seeded runtime's kernel layer.
// It is NOT a kernel: the simulator runs the app as a Linux process, so
// the layer only has to be there, in the right place, for packaging to
// copy it verbatim, as kraftkit copies a runtime's kernel into the image.
const placeholderKernel = "PLACEHOLDER KERNEL. This is not a Unikraft kernel: it was written by the KraftCloud simulator (ci/sim), which runs the app of an image as a Linux process and never boots this file. An image built on it runs only in the simulator.\n"

// seedBaseCompat pushes official/base-compat:latest: an index with one
// kraftcloud/x86_64 manifest whose only layer is the kernel, as the real
// runtime is laid out (kernel tar entry unikraft/bin/kernel, annotated
// org.unikraft.kernel.image).
func seedBaseCompat(r *registry) error {
	const repo = "official/base-compat"
	layer, err := tarOne("unikraft/bin/kernel", []byte(placeholderKernel))
	if err != nil {
		return err
	}
	layerDigest, err := r.putBlob(repo, layer)
	if err != nil {
		return err
	}
	platform := &v1.Platform{OS: "kraftcloud", Architecture: "x86_64", OSVersion: "0.0.0-sim-placeholder"}
	config, _ := json.Marshal(v1.ConfigFile{
		Architecture: platform.Architecture, OS: platform.OS, OSVersion: platform.OSVersion,
		Created: v1.Time{Time: time.Unix(0, 0).UTC()},
		RootFS:  v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{layerDigest}},
		Config:  v1.Config{Labels: map[string]string{"org.unikraft.sim.placeholder": "true"}},
	})
	configDigest, err := r.putBlob(repo, config)
	if err != nil {
		return err
	}
	manifest, _ := json.Marshal(v1.Manifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: configDigest, Size: int64(len(config))},
		Layers: []v1.Descriptor{{MediaType: types.OCIUncompressedLayer, Digest: layerDigest, Size: int64(len(layer)),
			Annotations: map[string]string{annotKernel: "/unikraft/bin/kernel"}}},
		Annotations: map[string]string{"org.unikraft.image.name": "index.unikraft.io/" + repo},
	})
	manifestDigest, _, _ := v1.SHA256(bytes.NewReader(manifest))
	if err := r.putManifest(repo, manifestDigest.String(), string(types.OCIManifestSchema1), manifest); err != nil {
		return err
	}
	index, _ := json.Marshal(v1.IndexManifest{
		SchemaVersion: 2, MediaType: types.OCIImageIndex,
		Manifests: []v1.Descriptor{{MediaType: types.OCIManifestSchema1, Digest: manifestDigest, Size: int64(len(manifest)), Platform: platform}},
	})
	return r.putManifest(repo, "latest", string(types.OCIImageIndex), index)
}

// tarOne is an uncompressed tar holding one regular file.
func tarOne(name string, content []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
	if err := tw.WriteHeader(h); err != nil {
		return nil, err
	}
	if _, err := tw.Write(content); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
