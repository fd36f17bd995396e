package unikernel

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Small registry operations the deploy needs to clean up after itself
// (added by ci/deploy; additive only).

// ErrNoManifest is returned by Resolve for a tag or digest the registry
// does not have.
var ErrNoManifest = errors.New("unikernel: no such manifest")

// Resolve returns the digest a tag (or digest) reference points to.
func Resolve(ctx context.Context, ref string, acc Access) (v1.Hash, error) {
	r, opts, err := acc.prepare(ctx, ref)
	if err != nil {
		return v1.Hash{}, err
	}
	desc, err := remote.Head(r, opts...)
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
			return v1.Hash{}, ErrNoManifest
		}
		return v1.Hash{}, acc.scrub(fmt.Errorf("unikernel: resolve %s: %w", ref, err))
	}
	return desc.Digest, nil
}

// Delete removes a manifest by tag or digest; ErrNoManifest if there is none.
func Delete(ctx context.Context, ref string, acc Access) error {
	r, opts, err := acc.prepare(ctx, ref)
	if err != nil {
		return err
	}
	if err := remote.Delete(r, opts...); err != nil {
		var te *transport.Error
		if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
			return ErrNoManifest
		}
		return acc.scrub(fmt.Errorf("unikernel: delete %s: %w", ref, err))
	}
	return nil
}

// Retag points tag (a full tagged reference) at the manifest named by
// digestRef (<registry>/<user>/<name>@sha256:...) of the same repository.
func Retag(ctx context.Context, digestRef, tag string, acc Access) error {
	src, opts, err := acc.prepare(ctx, digestRef)
	if err != nil {
		return err
	}
	dst, err := acc.parse(tag)
	if err != nil {
		return err
	}
	desc, err := remote.Get(src, opts...)
	if err != nil {
		return acc.scrub(fmt.Errorf("unikernel: retag %s: %w", digestRef, err))
	}
	if err := remote.Tag(dst.Context().Tag(dst.Identifier()), desc, opts...); err != nil {
		return acc.scrub(fmt.Errorf("unikernel: retag %s as %s: %w", digestRef, tag, err))
	}
	return nil
}
