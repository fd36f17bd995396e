package sim

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/cpio"
)

var errImageNotFound = errors.New("image not found")

// Annotations kraftkit puts on the layer descriptors (unikernel image
// format doc §1, §6).
const (
	annotKernel = "org.unikraft.kernel.image"
	annotInitrd = "org.unikraft.kernel.initrd"
	initrdPath  = "unikraft/bin/initrd"
)

// imageInfo is what the simulator needs from a unikernel image.
type imageInfo struct {
	Repo      string
	Digest    string // of what the reference named: index or manifest
	Cmd       []string
	Env       []string
	Labels    map[string]string
	Size      int64
	Initrd    *v1.Descriptor // nil if the image has no initrd layer
	HasKernel bool
}

// inspect reads an image's index/manifest and config.
func (r *registry) inspect(repo, ref string) (imageInfo, error) {
	body, digest, mt, err := r.manifest(repo, ref)
	if err != nil {
		return imageInfo{}, err
	}
	info := imageInfo{Repo: repo, Digest: digest}
	if types.MediaType(mt).IsIndex() {
		if body, err = r.pickManifest(repo, body); err != nil {
			return info, err
		}
	}
	m, err := v1.ParseManifest(bytes.NewReader(body))
	if err != nil {
		return info, fmt.Errorf("%s: manifest: %w", repo, err)
	}
	if err := r.readConfig(repo, m.Config.Digest, &info); err != nil {
		return info, err
	}
	info.Size = m.Config.Size
	for i, l := range m.Layers {
		info.Size += l.Size
		if _, ok := l.Annotations[annotInitrd]; ok {
			info.Initrd = &m.Layers[i]
		}
		if _, ok := l.Annotations[annotKernel]; ok {
			info.HasKernel = true
		}
	}
	// An initrd without the annotation is the last layer after the
	// runtime's, as kraftkit orders them.
	if info.Initrd == nil && len(m.Layers) > 1 {
		info.Initrd = &m.Layers[len(m.Layers)-1]
	}
	return info, nil
}

// pickManifest selects the kraftcloud/x86_64 manifest of an index (doc
// §9.2), or its only manifest.
func (r *registry) pickManifest(repo string, index []byte) ([]byte, error) {
	idx, err := v1.ParseIndexManifest(bytes.NewReader(index))
	if err != nil {
		return nil, fmt.Errorf("%s: index: %w", repo, err)
	}
	for _, d := range idx.Manifests {
		p := d.Platform
		if len(idx.Manifests) == 1 || p != nil && p.OS == "kraftcloud" && p.Architecture == "x86_64" {
			body, _, _, err := r.manifest(repo, d.Digest.String())
			return body, err
		}
	}
	return nil, fmt.Errorf("%s: no kraftcloud/x86_64 manifest in the index", repo)
}

func (r *registry) readConfig(repo string, digest v1.Hash, info *imageInfo) error {
	rc, err := r.blob(repo, digest)
	if err != nil {
		return fmt.Errorf("%s: config blob: %w", repo, err)
	}
	defer rc.Close()
	cfg, err := v1.ParseConfigFile(rc)
	if err != nil {
		return fmt.Errorf("%s: config: %w", repo, err)
	}
	info.Cmd = append(append([]string{}, cfg.Config.Entrypoint...), cfg.Config.Cmd...)
	info.Env = cfg.Config.Env
	info.Labels = cfg.Config.Labels
	return nil
}

// unpack extracts the image's initrd (cpio newc, gzip or not) into dir.
func (r *registry) unpack(info imageInfo, dir string) error {
	if info.Initrd == nil {
		return fmt.Errorf("%s: the image has no initrd layer", info.Repo)
	}
	rc, err := r.blob(info.Repo, info.Initrd.Digest)
	if err != nil {
		return fmt.Errorf("%s: initrd blob: %w", info.Repo, err)
	}
	defer rc.Close()
	layer, err := maybeGunzip(bufio.NewReader(rc))
	if err != nil {
		return err
	}
	tr := tar.NewReader(layer)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return fmt.Errorf("%s: no %s in the initrd layer", info.Repo, initrdPath)
		}
		if err != nil {
			return fmt.Errorf("%s: initrd layer: %w", info.Repo, err)
		}
		if strings.TrimPrefix(strings.TrimPrefix(h.Name, "."), "/") == initrdPath {
			return extractInitrd(bufio.NewReader(tr), dir)
		}
	}
}

// extractInitrd unpacks a cpio newc archive, gunzipping it first if needed
// (kraftkit --compress). EROFS is not supported by the simulator.
func extractInitrd(br *bufio.Reader, dir string) error {
	r, err := maybeGunzip(br)
	if err != nil {
		return err
	}
	b := bufio.NewReader(r)
	magic, _ := b.Peek(6)
	if string(magic) != "070701" {
		return fmt.Errorf("initrd is not a cpio newc archive (magic %q); the simulator unpacks cpio only", magic)
	}
	return cpio.Extract(b, dir)
}

// maybeGunzip returns r, decompressed if it starts with the gzip magic.
func maybeGunzip(br *bufio.Reader) (io.Reader, error) {
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		return gzip.NewReader(br)
	}
	return br, nil
}
