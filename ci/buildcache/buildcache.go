// Package buildcache makes the deployment's image repository a build
// cache that outlives every CI runner. The build is deterministic, so an
// image is fully described by what it was made from (its Inputs): each
// pushed image carries them in a label and under a tag named after their
// digest. Before building, a deploy looks that tag up; an image found
// there is checked against what it claims (the label, the binary's Go
// build information, the rootfs overlay's files, the command, the
// runtime's kernel) and deployed without building. Any changed input
// gives another digest, and a build.
package buildcache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// Inputs are what an image is made from.
type Inputs struct {
	Version string `json:"version"` // the OpenFGA release tag
	Commit  string `json:"commit"`  // the commit the tag resolved to
	// Date is the commit date to stamp when it was given rather than read
	// from the commit; "" when read, as the commit fixes it.
	Date string `json:"date"`
	// GoImage is the Go image as asked for; "" is the toolchain of the
	// commit's own go.mod, which the commit fixes.
	GoImage string `json:"go_image"`
	// Build is the build's flags and environment (gobuild), in one string.
	Build string `json:"build"`
	// Overlay is the digest of the rootfs overlay laid over the image root
	// (HashTree).
	Overlay string   `json:"overlay"`
	Cmd     []string `json:"cmd"`
	// Runtime is the runtime image, by digest (<ref>@sha256:…).
	Runtime string `json:"runtime"`
}

// Built is what a build adds to its inputs in the label: the Go toolchain
// that ran, so that the binary's build information can be held to it.
type Built struct {
	Inputs
	GoVersion string `json:"go_version"` // e.g. go1.25.3
}

// Label is the image config label that carries Built, as JSON.
const Label = "org.openfga-kraftcloud.inputs"

// Key is the digest of the inputs.
func (in Inputs) Key() string {
	b, _ := json.Marshal(in) // a struct of strings: never fails
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Tag is the tag an image made from in is pushed under as well.
func (in Inputs) Tag() string { return "inputs-" + in.Key() }

// LabelValue is the label of an image built from in by goVersion.
func (in Inputs) LabelValue(goVersion string) string {
	b, _ := json.Marshal(Built{Inputs: in, GoVersion: goVersion})
	return string(b)
}

// ErrNone means no image of the repository was made from these inputs.
var ErrNone = errors.New("no image made from these inputs")

// Find looks in repository for an image made from in and checks it (see
// Check, with overlay the overlay directory). It returns the image as
// <repository>@<digest>, ErrNone when there is none, or why the one
// found cannot be trusted.
func Find(ctx context.Context, repository string, acc unikernel.Access, in Inputs, overlay string) (string, error) {
	ref := repository + ":" + in.Tag()
	digest, err := unikernel.Resolve(ctx, ref, acc)
	if errors.Is(err, unikernel.ErrNoManifest) {
		return "", ErrNone
	}
	if err != nil {
		return "", err
	}
	image := repository + "@" + digest.String()
	u, err := unikernel.Open(ctx, image, acc)
	if err != nil {
		return "", err
	}
	rt, err := unikernel.PullRuntime(ctx, in.Runtime, acc)
	if err != nil {
		return "", fmt.Errorf("the runtime %s: %w", in.Runtime, err)
	}
	if err := Check(u, rt, in, overlay); err != nil {
		return "", fmt.Errorf("the image %s under %s is not what it claims: %w", image, in.Tag(), err)
	}
	return image, nil
}
