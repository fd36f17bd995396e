package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/buildcache"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/cpio"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/poll"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// imagePush owns the deployment's image: it packages the rootfs, pushes
// it, waits until the API sees it, and, when the run fails, puts the
// registry back as it found it.
type imagePush struct {
	spec    imageSpec
	rootfs  string
	cmd     []string
	labels  map[string]string
	client  *kraftcloud.Client
	log     *progress
	timeout time.Duration // for the image to become visible

	memoryMB int64 // the instances', which the rootfs must fit in

	built    *unikernel.Image
	opened   *pushed            // the existing image, read back
	unpacked string             // the existing image's rootfs on this machine, until close
	inputs   *buildcache.Inputs // what the image is made from, when the caller said
	pushed   *pushed            // nil until this run pushed (or took the existing image)
}

// pushed is the image this run pushed, and what the registry held before.
type pushed struct {
	digest   v1.Hash
	platform string  // <user>/<name>@<digest>: how the API names it
	existed  bool    // the digest was in the registry before this run (or we could not tell)
	prevTag  v1.Hash // what the tag pointed to before (zero: nothing)
}

// build pulls the runtime, archives the rootfs and builds the image; an
// existing image is read back and preflighted instead.
func (m *imagePush) build(ctx context.Context) error {
	if m.spec.existing != "" {
		return m.open(ctx)
	}
	m.log.Printf("package: runtime %s, rootfs %s, cmd %q", m.spec.runtime, m.rootfs, m.cmd)
	if err := m.withInputs(m.inputs); err != nil {
		return err
	}
	rt, err := unikernel.PullRuntime(ctx, m.spec.runtime, m.spec.access)
	if err != nil {
		return fmt.Errorf("pull the runtime: %w", err)
	}
	initrd, err := unikernel.InitrdFromDir(m.rootfs, cpio.Options{})
	if err != nil {
		return fmt.Errorf("archive the rootfs: %w", err)
	}
	// The env stays out of the image: it holds the preshared keys, and the
	// registry is no place for them. It goes in the create request only.
	m.built, err = unikernel.Build(rt, initrd, unikernel.Spec{Ref: m.spec.ref, Cmd: m.cmd, Labels: m.labels})
	return err
}

// open reads an existing image of the repository and preflights its
// command inside its own initrd, as build's rootfs is preflighted: a
// rollback to an image that could not start is refused here too.
func (m *imagePush) open(ctx context.Context) error {
	m.log.Printf("package: the existing image %s", m.spec.existing)
	u, err := unikernel.Open(ctx, m.spec.existing, m.spec.access)
	if err != nil {
		return err
	}
	root, err := os.MkdirTemp("", "deploy-image-")
	if err != nil {
		return err
	}
	m.unpacked = root // the gate runs its binary
	if err := u.UnpackRootfs(root); err != nil {
		return fmt.Errorf("read the image's initrd: %w", err)
	}
	if len(u.Cmd()) == 0 {
		return fmt.Errorf("the image %s has no command in its config", m.spec.existing)
	}
	var warnings []string
	if _, err := checkRootfs(root, u.Cmd()[0], m.memoryMB, "", "", &warnings); err != nil {
		return fmt.Errorf("the image %s: %w", m.spec.existing, err)
	}
	m.cmd, m.opened = u.Cmd(), &pushed{digest: u.IndexDigest, platform: m.spec.ref.PlatformImage(u.IndexDigest), existed: true}
	return nil
}

// digest is the image's: the one built, or the existing one read back.
func (m *imagePush) digest() v1.Hash {
	if m.opened != nil {
		return m.opened.digest
	}
	return m.built.Digest
}

// binary is the path on this machine of the binary the image runs.
func (m *imagePush) binary() (string, error) {
	root := m.rootfs
	if m.opened != nil {
		root = m.unpacked
	}
	if root == "" || len(m.cmd) == 0 {
		return "", errors.New("no rootfs to run the image's binary from")
	}
	return filepath.Join(root, m.cmd[0]), nil
}

// close removes what open unpacked.
func (m *imagePush) close() {
	if m.unpacked != "" {
		_ = os.RemoveAll(m.unpacked)
		m.unpacked = ""
	}
}

// push uploads the image after noting what the registry held before; an
// existing image is already there.
func (m *imagePush) push(ctx context.Context) error {
	if m.opened != nil {
		m.pushed = m.opened
		return nil
	}
	ref, acc := m.spec.ref, m.spec.access
	out := &pushed{digest: m.built.Digest, platform: ref.PlatformImage(m.built.Digest)}
	// Any answer but "no such manifest" counts as "it existed": a failed
	// run then leaves the registry alone rather than guess.
	_, err := unikernel.Resolve(ctx, ref.WithDigest(out.digest), acc)
	out.existed = !errors.Is(err, unikernel.ErrNoManifest)
	prev, err := unikernel.Resolve(ctx, ref.String(), acc)
	switch {
	case err == nil:
		out.prevTag = prev
	case !errors.Is(err, unikernel.ErrNoManifest):
		out.existed = true
	}
	m.log.Printf("push: %s (%s)", ref, out.digest)
	if _, err := unikernel.Push(ctx, m.built, acc); err != nil {
		return fmt.Errorf("push the image: %w", err)
	}
	m.pushed = out
	return m.tagInputs(ctx)
}

// waitVisible polls the API's image look-up until the pushed digest is
// visible at the metro (kraftkit does the same before creating).
func (m *imagePush) waitVisible(ctx context.Context) error {
	err := poll.Until(ctx, 500*time.Millisecond, m.timeout, func(ctx context.Context) (bool, error) {
		_, err := m.client.FindImage(ctx, api.ImageFilter{Digest: m.pushed.platform})
		if errors.Is(err, kraftcloud.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("look the image up: %w", err)
		}
		return true, nil
	})
	if errors.Is(err, poll.ErrDeadline) {
		return fmt.Errorf("the image %s did not become visible to the API within %s", m.pushed.platform, m.timeout)
	}
	return err
}

// remove takes back an image this run pushed, unless the registry had
// that digest before (then an earlier deployment may run it: the same
// rootfs gives the same digest) or an instance uses it. The tag goes back
// to where it pointed before this run, so the registry is as we found it.
// A registry that refuses deletes (robot accounts may lack the right)
// leaves an unused image behind: harmless, and reported.
func (m *imagePush) remove(ctx context.Context) error {
	img := m.pushed
	if img == nil || img.existed {
		return nil
	}
	all, err := m.client.ListInstances(ctx)
	if err != nil {
		return err
	}
	for _, inst := range all {
		if strings.Contains(inst.Image, img.digest.String()) {
			m.log.Printf("cleanup: keep image %s: instance %s uses it", img.platform, inst.Name)
			return nil
		}
	}
	m.log.Printf("cleanup: remove image %s (pushed by this run)", img.platform)
	ref, acc := m.spec.ref, m.spec.access
	if img.prevTag.Hex != "" && img.prevTag != img.digest {
		if err := unikernel.Retag(ctx, ref.WithDigest(img.prevTag), ref.String(), acc); err != nil {
			return err
		}
	}
	err = unikernel.Delete(ctx, ref.WithDigest(img.digest), acc)
	if err != nil && !errors.Is(err, unikernel.ErrNoManifest) {
		return err
	}
	if img.prevTag.Hex == "" {
		// Registries that keep tags apart from manifests (not Harbor, where
		// deleting the digest took the tag with it) still have the tag.
		_ = unikernel.Delete(ctx, ref.String(), acc)
	}
	return nil
}

// left is what --keep-failed leaves of the image.
func (m *imagePush) left() []string {
	if m.pushed == nil || m.pushed.existed {
		return nil
	}
	return []string{"image " + m.pushed.platform}
}
