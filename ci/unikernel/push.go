package unikernel

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Push uploads the image to img.Ref (<registry>/<user>/<name>:<tag>) and
// returns the index digest. Blobs the registry already has are skipped, so
// pushing the same image again is cheap and gives the same digest. Runtime
// layers from the same registry are cross-repository mounted, not re-sent.
func Push(ctx context.Context, img *Image, acc Access) (v1.Hash, error) {
	ref, opts, err := acc.prepare(ctx, img.Ref.String())
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.WriteIndex(ref, img.Index, opts...); err != nil {
		return v1.Hash{}, acc.scrub(fmt.Errorf("unikernel: push %s: %w", img.Ref, err))
	}
	// Read the tag back: the digest we return is the one the registry serves.
	desc, err := remote.Head(ref, opts...)
	if err != nil {
		return v1.Hash{}, acc.scrub(fmt.Errorf("unikernel: check push of %s: %w", img.Ref, err))
	}
	if desc.Digest != img.Digest {
		return v1.Hash{}, fmt.Errorf("unikernel: %s resolves to %s after pushing %s", img.Ref, desc.Digest, img.Digest)
	}
	return img.Digest, nil
}
