package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/buildcache"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/deploy"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/gobuild"
)

// reuse looks in the deployment's repository for the image an earlier
// deploy made from the same inputs, before anything is built: found (and
// checked), it becomes o.Image and nothing is built; otherwise o gets the
// inputs, for the image it will build to carry. The inputs are the
// release, its commit (and the date when --date gives it), the Go image
// by digest (toolchain and CA bundle), the build's recipe, the overlay,
// the Kraftfile's command and the runtime by digest.
func (m *OpenfgaKraftcloud) reuse(ctx context.Context, o *deploy.Options) (bool, error) {
	tree, err := m.checkedTree(ctx)
	if err != nil {
		return false, err
	}
	image, err := m.goImage(ctx, tree)
	if err != nil {
		return false, err
	}
	goImage, err := dag.Container().From(image).ImageRef(ctx)
	if err != nil {
		return false, fmt.Errorf("resolve the Go image %s: %w", image, err)
	}
	overlay, err := m.Overlay.Export(ctx, "/tmp/deploy/overlay")
	if err != nil {
		return false, fmt.Errorf("export the rootfs overlay: %w", err)
	}
	hash, err := buildcache.HashTree(overlay)
	if err != nil {
		return false, err
	}
	kf, err := m.kraftfile(ctx)
	if err != nil {
		return false, err
	}
	// The commit fixes its own date: reading it (a container of the Go
	// image) is left to a build. Only a date given with --date is an input.
	stamp := gobuild.Stamp{Version: m.Version, Commit: m.Commit, Date: m.Date}
	check := stamp.Validate
	if m.Date == "" {
		check = stamp.ValidateRelease
	}
	if err := check(); err != nil {
		return false, err
	}
	in := buildcache.Inputs{Version: m.Version, Commit: m.Commit, Date: m.Date, GoImage: goImage,
		Build: gobuild.Recipe(), Overlay: hash, Cmd: kf.Cmd}
	image, full, err := deploy.FindBuild(ctx, *o, in, overlay)
	switch {
	case err == nil:
		fmt.Fprintf(os.Stderr, "deploy: %s was made from these inputs (%s): deploying it without a build\n", image, in.Tag())
		o.Image, o.Rootfs = image, ""
		return true, nil
	case !errors.Is(err, buildcache.ErrNone):
		fmt.Fprintf(os.Stderr, "deploy: not reusing the registry's image: %v; building\n", err)
	}
	o.Inputs, o.Runtime = &full, full.Runtime
	return false, nil
}
