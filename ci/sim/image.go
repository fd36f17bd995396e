package sim

import (
	"bytes"
	"errors"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

var errImageNotFound = errors.New("image not found")

// imageInfo is what the images endpoints show of a unikernel image (the
// instances themselves read it in pull.go).
type imageInfo struct {
	Repo   string
	Digest string // of what the reference named: index or manifest
	Cmd    []string
	Env    []string
	Labels map[string]string
	Size   int64
	Initrd bool // a layer is annotated as the initrd
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
	for _, l := range m.Layers {
		info.Size += l.Size
		if _, ok := l.Annotations[annotInitrd]; ok {
			info.Initrd = true
		}
	}
	return info, nil
}

// pickManifest selects the kraftcloud/x86_64 manifest of an index (the
// platform kraftkit packages for KraftCloud), or its only manifest.
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
