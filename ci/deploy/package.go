package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/cpio"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// pushed is the image this run pushed, and what the registry held before,
// so that a failed run can put it back (see cleanup.go).
type pushed struct {
	digest   v1.Hash
	platform string  // <user>/<name>@<digest>: how the API names it
	existed  bool    // the digest was in the registry before this run (or we could not tell)
	prevTag  v1.Hash // what the tag pointed to before (zero: nothing)
}

// packageImage pulls the runtime, archives the rootfs and builds the image.
func (p *plan) packageImage(ctx context.Context) (*unikernel.Image, error) {
	p.log.Printf("package: runtime %s, rootfs %s, cmd %q", p.runtime, p.opts.Rootfs, p.cmd)
	rt, err := unikernel.PullRuntime(ctx, p.runtime, p.access)
	if err != nil {
		return nil, fmt.Errorf("pull the runtime: %w", err)
	}
	initrd, err := unikernel.InitrdFromDir(p.opts.Rootfs, cpio.Options{})
	if err != nil {
		return nil, fmt.Errorf("archive the rootfs: %w", err)
	}
	// The env stays out of the image: it holds the preshared keys, and the
	// registry is no place for them. It goes in the create request only.
	return unikernel.Build(rt, initrd, unikernel.Spec{Ref: p.ref, Cmd: p.cmd, Labels: p.labels})
}

// push uploads the image after noting what the registry held before.
func (p *plan) push(ctx context.Context, img *unikernel.Image) (*pushed, error) {
	out := &pushed{digest: img.Digest, platform: p.ref.PlatformImage(img.Digest)}
	// Any answer but "no such manifest" counts as "it existed": a failed
	// run then leaves the registry alone rather than guess.
	_, err := unikernel.Resolve(ctx, p.ref.WithDigest(img.Digest), p.access)
	out.existed = !errors.Is(err, unikernel.ErrNoManifest)
	prev, err := unikernel.Resolve(ctx, p.ref.String(), p.access)
	switch {
	case err == nil:
		out.prevTag = prev
	case !errors.Is(err, unikernel.ErrNoManifest):
		out.existed = true
	}
	p.log.Printf("push: %s (%s)", p.ref, img.Digest)
	if _, err := unikernel.Push(ctx, img, p.access); err != nil {
		return nil, fmt.Errorf("push the image: %w", err)
	}
	return out, nil
}

// waitImage polls the API's image look-up until the pushed digest is
// visible at the metro (kraftkit does the same before creating).
func (p *plan) waitImage(ctx context.Context, img *pushed) error {
	ctx, cancel := context.WithTimeout(ctx, p.t.Image)
	defer cancel()
	for {
		_, err := p.client.FindImage(ctx, api.ImageFilter{Digest: img.platform})
		if err == nil {
			return nil
		}
		if !errors.Is(err, kraftcloud.ErrNotFound) {
			return fmt.Errorf("look the image up: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the image %s did not become visible to the API within %s", img.platform, p.t.Image)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
