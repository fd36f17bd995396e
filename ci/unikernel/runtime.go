package unikernel

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Runtime is a pulled runtime image, used the way kraftkit's oci/pack.go uses
// one: the layers to put in front of the initrd, with descriptors copied
// verbatim and blobs taken by reference, and the config the new image
// inherits.
type Runtime struct {
	Ref    string // where it came from, for messages
	Config ocispec.Image
	Layers []RuntimeLayer
}

// RuntimeLayer is one runtime layer: its descriptor exactly as the runtime
// manifest has it, and the blob behind it.
type RuntimeLayer struct {
	Descriptor ocispec.Descriptor
	Blob       v1.Layer
}

// PullRuntime fetches the runtime (DefaultRuntime unless the user names
// another) with the given access. Only manifests and the config are read;
// the kernel blob is fetched later, when Push copies it or Kernel is called.
func PullRuntime(ctx context.Context, ref string, acc Access) (*Runtime, error) {
	r, opts, err := acc.prepare(ctx, ref)
	if err != nil {
		return nil, err
	}
	desc, err := remote.Get(r, opts...)
	if err != nil {
		return nil, acc.scrub(fmt.Errorf("unikernel: runtime %s: %w", ref, err))
	}
	img, err := runtimeImage(desc)
	if err != nil {
		return nil, acc.scrub(fmt.Errorf("unikernel: runtime %s: %w", ref, err))
	}
	rt, err := RuntimeFromImage(ref, img)
	return rt, acc.scrub(err)
}

// runtimeImage resolves an index to its kraftcloud/x86_64 image; a plain
// manifest is taken as it is.
func runtimeImage(desc *remote.Descriptor) (v1.Image, error) {
	if !desc.MediaType.IsIndex() {
		return desc.Image()
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return nil, err
	}
	d, err := selectFromIndex(idx)
	if err != nil {
		return nil, err
	}
	h, err := toHash(d)
	if err != nil {
		return nil, err
	}
	return idx.Image(h)
}

// RuntimeFromImage reads a runtime from any image (a pulled one, or one
// built in a test). It must be for kraftcloud/x86_64 and carry a kernel.
func RuntimeFromImage(ref string, img v1.Image) (*Runtime, error) {
	var m ocispec.Manifest
	if err := unmarshalRaw(img.RawManifest, &m); err != nil {
		return nil, fmt.Errorf("unikernel: runtime %s manifest: %w", ref, err)
	}
	rt := &Runtime{Ref: ref}
	if err := unmarshalRaw(img.RawConfigFile, &rt.Config); err != nil {
		return nil, fmt.Errorf("unikernel: runtime %s config: %w", ref, err)
	}
	if !forKraftCloud(m.Config.Platform, rt.Config.Platform) {
		return nil, fmt.Errorf("unikernel: runtime %s is for %s/%s, want %s/%s",
			ref, rt.Config.OS, rt.Config.Architecture, PlatformOS, PlatformArch)
	}
	for _, d := range m.Layers {
		h, err := toHash(d)
		if err != nil {
			return nil, fmt.Errorf("unikernel: runtime %s: %w", ref, err)
		}
		blob, err := img.LayerByDigest(h)
		if err != nil {
			return nil, fmt.Errorf("unikernel: runtime %s layer %s: %w", ref, d.Digest, err)
		}
		rt.Layers = append(rt.Layers, RuntimeLayer{Descriptor: d, Blob: blob})
	}
	if _, ok := annotatedLayer(m.Layers, AnnotationKernel); !ok {
		return nil, fmt.Errorf("unikernel: runtime %s has no layer annotated %s", ref, AnnotationKernel)
	}
	return rt, nil
}

// forKraftCloud accepts a runtime whose config-descriptor platform (where
// kraftkit reads it, manifest.Config.Platform in oci/pack.go) or config says
// kraftcloud/x86_64.
func forKraftCloud(desc *ocispec.Platform, config ocispec.Platform) bool {
	ok := func(p ocispec.Platform) bool { return p.OS == PlatformOS && p.Architecture == PlatformArch }
	return ok(config) || (desc != nil && ok(*desc))
}

// Kernel returns the kernel file from the runtime's kernel layer.
func (rt *Runtime) Kernel() ([]byte, error) {
	for _, l := range rt.Layers {
		if path := l.Descriptor.Annotations[AnnotationKernel]; path != "" {
			return readTarFile(l.Blob, path)
		}
	}
	return nil, fmt.Errorf("unikernel: runtime %s has no kernel layer", rt.Ref)
}

// selectFromIndex picks the one manifest for kraftcloud/x86_64, as kraftkit's
// runtime lookup does (processV1IndexManifests in oci/manager.go). kraftkit
// also requires the sh.kraftkit.version annotation; we only use it to break
// ties, so runtimes built by the newer unikraft CLI are accepted too.
func selectFromIndex(idx v1.ImageIndex) (ocispec.Descriptor, error) {
	var index ocispec.Index
	if err := unmarshalRaw(idx.RawManifest, &index); err != nil {
		return ocispec.Descriptor{}, err
	}
	var match, marked []ocispec.Descriptor
	for _, d := range index.Manifests {
		if d.Platform != nil && d.Platform.OS == PlatformOS && d.Platform.Architecture == PlatformArch {
			match = append(match, d)
			if _, ok := d.Annotations[AnnotationKraftkitVersion]; ok {
				marked = append(marked, d)
			}
		}
	}
	if len(match) > 1 && len(marked) > 0 {
		match = marked
	}
	switch len(match) {
	case 1:
		return match[0], nil
	case 0:
		return ocispec.Descriptor{}, fmt.Errorf("no %s/%s manifest in the index", PlatformOS, PlatformArch)
	default:
		return ocispec.Descriptor{}, fmt.Errorf("%d %s/%s manifests in the index (%s); name one by digest",
			len(match), PlatformOS, PlatformArch, digests(match))
	}
}

func digests(ds []ocispec.Descriptor) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.Digest.String()
	}
	return strings.Join(s, ", ")
}

func toHash(d ocispec.Descriptor) (v1.Hash, error) {
	h, err := v1.NewHash(d.Digest.String())
	if err != nil {
		return v1.Hash{}, fmt.Errorf("descriptor digest %q: %w", d.Digest, err)
	}
	return h, nil
}

func unmarshalRaw(raw func() ([]byte, error), v any) error {
	b, err := raw()
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
