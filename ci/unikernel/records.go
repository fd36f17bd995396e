package unikernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// A record is a small OCI image index under its own tag that points at an
// image the repository already holds and carries facts about it in its
// annotations (a release, what an image was built from). The registry
// keeps it as long as the image: it outlives every instance and runner,
// and a record is read with the same login as the image.

// PutRecord tags, in ref's repository, an index of the one manifest
// desc (the image's kraftcloud manifest, whose blobs are already there)
// with annotations.
func PutRecord(ctx context.Context, tag string, desc ocispec.Descriptor, annotations map[string]string, acc Access) (v1.Hash, error) {
	ref, opts, err := acc.prepare(ctx, tag)
	if err != nil {
		return v1.Hash{}, err
	}
	raw, err := json.Marshal(ocispec.Index{
		Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex,
		Manifests: []ocispec.Descriptor{desc}, Annotations: annotations,
	})
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.Put(ref, rawManifest{raw}, opts...); err != nil {
		return v1.Hash{}, acc.scrub(fmt.Errorf("unikernel: record %s: %w", tag, err))
	}
	return sha(raw), nil
}

// Record is a record read back: its annotations and the manifest it
// points at.
type Record struct {
	Digest      v1.Hash
	Manifest    ocispec.Descriptor
	Annotations map[string]string
}

// GetRecord reads the record (or any one-manifest index) at ref.
func GetRecord(ctx context.Context, ref string, acc Access) (Record, error) {
	r, opts, err := acc.prepare(ctx, ref)
	if err != nil {
		return Record{}, err
	}
	desc, err := remote.Get(r, opts...)
	if err != nil {
		if notFound(err) {
			return Record{}, ErrNoManifest
		}
		return Record{}, acc.scrub(fmt.Errorf("unikernel: read %s: %w", ref, err))
	}
	var idx ocispec.Index
	if err := json.Unmarshal(desc.Manifest, &idx); err != nil || len(idx.Manifests) != 1 {
		return Record{}, fmt.Errorf("unikernel: %s is not a record (an index of one manifest)", ref)
	}
	return Record{Digest: desc.Digest, Manifest: idx.Manifests[0], Annotations: idx.Annotations}, nil
}

// ManifestOf is the kraftcloud manifest descriptor of the image at ref,
// as its index lists it.
func ManifestOf(ctx context.Context, ref string, acc Access) (ocispec.Descriptor, error) {
	r, opts, err := acc.prepare(ctx, ref)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	idx, err := remote.Index(r, opts...)
	if err != nil {
		if notFound(err) {
			return ocispec.Descriptor{}, ErrNoManifest
		}
		return ocispec.Descriptor{}, acc.scrub(fmt.Errorf("unikernel: read %s: %w", ref, err))
	}
	return selectFromIndex(idx)
}

// Tags lists the repository's tags (an empty list for a repository the
// registry does not know yet).
func Tags(ctx context.Context, repository string, acc Access) ([]string, error) {
	r, opts, err := acc.prepare(ctx, repository+":latest")
	if err != nil {
		return nil, err
	}
	tags, err := remote.List(r.Context(), opts...)
	if err != nil {
		if notFound(err) {
			return nil, nil
		}
		return nil, acc.scrub(fmt.Errorf("unikernel: list the tags of %s: %w", repository, err))
	}
	return tags, nil
}

func notFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}

// rawManifest is an index to put as it is.
type rawManifest struct{ raw []byte }

func (m rawManifest) RawManifest() ([]byte, error)        { return m.raw, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return types.OCIImageIndex, nil }
