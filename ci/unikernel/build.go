package unikernel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/cpio"
)

// Spec is what the user image adds on top of the runtime.
type Spec struct {
	Ref Ref
	// Cmd replaces the runtime's command when non-empty (Kraftfile cmd).
	Cmd []string
	// Env replaces the runtime's env, written in exactly this order.
	Env []string
	// Labels are merged over the runtime's (Kraftfile labels).
	Labels map[string]string
	// Created is the org.opencontainers.image.created annotation, normally the
	// source's commit date. Zero means the Unix epoch; never the wall clock.
	Created time.Time
	// KraftkitVersion is written as sh.kraftkit.version; empty means
	// DefaultKraftkitVersion.
	KraftkitVersion string
}

// Image is a built unikernel image, ready to push.
type Image struct {
	Ref    Ref
	Digest v1.Hash // of the index: what is pushed and what instances run
	Index  v1.ImageIndex

	// The exact documents, for inspection and tests.
	IndexJSON, ManifestJSON, ConfigJSON []byte
}

// InitrdFromDir archives a root filesystem directory as the initrd.
func InitrdFromDir(root string, opts cpio.Options) ([]byte, error) {
	var buf bytes.Buffer
	if err := cpio.WriteDir(&buf, root, opts); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Build assembles the image: the runtime's layers, then initrd (a newc
// archive, see InitrdFromDir) as an uncompressed single-entry tar layer.
func Build(rt *Runtime, initrd []byte, spec Spec) (*Image, error) {
	if err := spec.Ref.Validate(); err != nil {
		return nil, err
	}
	tarBytes, err := tarFile(InitrdPath, initrd)
	if err != nil {
		return nil, err
	}
	initrdDesc := ocispec.Descriptor{
		MediaType:   ocispec.MediaTypeImageLayer,
		Digest:      digest.FromBytes(tarBytes),
		Size:        int64(len(tarBytes)),
		Annotations: map[string]string{AnnotationInitrd: InitrdPath},
	}
	var descs []ocispec.Descriptor
	var blobs []v1.Layer
	for _, l := range rt.Layers {
		descs, blobs = append(descs, l.Descriptor), append(blobs, l.Blob)
	}
	descs = append(descs, initrdDesc)
	blobs = append(blobs, static.NewLayer(tarBytes, types.OCIUncompressedLayer))

	docs, err := assemble(rt.Config, descs, &spec)
	if err != nil {
		return nil, err
	}
	img := &rawImage{manifest: docs.manifest, config: docs.config, layers: blobs}
	return &Image{
		Ref: spec.Ref, Digest: sha(docs.index), Index: &rawIndex{index: docs.index, image: img},
		IndexJSON: docs.index, ManifestJSON: docs.manifest, ConfigJSON: docs.config,
	}, nil
}

type documents struct{ config, manifest, index []byte }

// assemble writes config, manifest and index as kraftkit does: compact
// json.Marshal of the image-spec structs (oci/manifest.go and oci/index.go
// Save), so key order and escaping match byte for byte.
func assemble(base ocispec.Image, layers []ocispec.Descriptor, spec *Spec) (documents, error) {
	var docs documents
	cfg := imageConfig(base, spec, layers)
	platform := platformOf(cfg)
	annotations := manifestAnnotations(spec, cfg.OSVersion)
	var err error
	if docs.config, err = json.Marshal(cfg); err != nil {
		return docs, fmt.Errorf("unikernel: config: %w", err)
	}
	docs.manifest, err = json.Marshal(ocispec.Manifest{
		Versioned:   specs.Versioned{SchemaVersion: 2},
		MediaType:   ocispec.MediaTypeImageManifest,
		Config:      describe(ocispec.MediaTypeImageConfig, docs.config, nil, platform),
		Layers:      layers,
		Annotations: annotations,
	})
	if err != nil {
		return docs, fmt.Errorf("unikernel: manifest: %w", err)
	}
	docs.index, err = json.Marshal(ocispec.Index{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageIndex,
		Manifests: []ocispec.Descriptor{
			describe(ocispec.MediaTypeImageManifest, docs.manifest, annotations, platform),
		},
		Annotations: indexAnnotations(spec),
	})
	if err != nil {
		return docs, fmt.Errorf("unikernel: index: %w", err)
	}
	return docs, nil
}

func describe(mediaType string, b []byte, annotations map[string]string, p *ocispec.Platform) ocispec.Descriptor {
	return ocispec.Descriptor{
		MediaType: mediaType, Digest: digest.FromBytes(b), Size: int64(len(b)),
		Annotations: annotations, Platform: p,
	}
}

// manifestAnnotations are the six kraftkit writes on a manifest (oci/pack.go
// and oci/manifest.go Save); the same map goes on the manifest and, as
// kraftkit's Save does, on its descriptor in the index.
func manifestAnnotations(spec *Spec, kernelVersion string) map[string]string {
	a := indexAnnotations(spec)
	a[AnnotationImageName] = spec.Ref.Repository()
	a[ocispec.AnnotationCreated] = created(spec.Created)
	if kernelVersion != "" {
		a[AnnotationKernelVersion] = kernelVersion
	}
	return a
}

// indexAnnotations are the three annotations kraftkit's oci/index.go Save
// writes on the index.
func indexAnnotations(spec *Spec) map[string]string {
	version := spec.KraftkitVersion
	if version == "" {
		version = DefaultKraftkitVersion
	}
	return map[string]string{
		ocispec.AnnotationRefName: spec.Ref.Repository(),
		AnnotationKraftkitVersion: version,
		AnnotationContainerdName:  spec.Ref.String(),
	}
}

// created formats like kraftkit (UTC, RFC 3339, seconds), from a fixed time.
func created(t time.Time) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Format(time.RFC3339)
}
