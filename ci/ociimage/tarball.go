package ociimage

import (
	"archive/tar"
	"encoding/json"
	"io"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// WriteTarball writes img as an OCI image layout in a tar stream (what
// `docker load`, `podman load`, `skopeo copy oci-archive:` and Dagger's
// Container.import read), with ref.name set to name when it is not empty.
func WriteTarball(w io.Writer, img v1.Image, name string, mtime time.Time) error {
	blobs, index, err := layoutFiles(img, name)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	files := map[string][]byte{"oci-layout": []byte(`{"imageLayoutVersion":"1.0.0"}`), "index.json": index}
	for d, b := range blobs {
		files["blobs/sha256/"+d] = b
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, dir := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir, Mode: 0o755, ModTime: mtime, Format: tar.FormatPAX}); err != nil {
			return err
		}
	}
	for _, n := range names {
		h := &tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: int64(len(files[n])), ModTime: mtime, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(files[n]); err != nil {
			return err
		}
	}
	return tw.Close()
}

// layoutFiles returns every blob by hex digest and the index.json.
func layoutFiles(img v1.Image, name string) (map[string][]byte, []byte, error) {
	blobs := map[string][]byte{}
	manifest, err := img.RawManifest()
	if err != nil {
		return nil, nil, err
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return nil, nil, err
	}
	mdigest, err := img.Digest()
	if err != nil {
		return nil, nil, err
	}
	cdigest, err := img.ConfigName()
	if err != nil {
		return nil, nil, err
	}
	blobs[mdigest.Hex], blobs[cdigest.Hex] = manifest, config
	layers, err := img.Layers()
	if err != nil {
		return nil, nil, err
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return nil, nil, err
		}
		rc, err := l.Compressed()
		if err != nil {
			return nil, nil, err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, nil, err
		}
		blobs[d.Hex] = b
	}
	desc := v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: mdigest, Size: int64(len(manifest)),
		Platform: &v1.Platform{Architecture: "amd64", OS: "linux"}}
	if name != "" {
		desc.Annotations = map[string]string{"org.opencontainers.image.ref.name": name}
	}
	index, err := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{desc}})
	return blobs, index, err
}
