package deploy

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// Error is a failed deployment: the stage it failed in, the cause, and the
// diagnosis of the new instance when there was one.
type Error struct {
	Stage     string              // validate, package, push, image, datastore, create, running, watch, verify
	Err       error               // already scrubbed of secrets
	Diagnosis *diagnose.Diagnosis // nil when no instance was created
	Left      []string            // what --keep-failed (or a failed delete) left behind
}

func (e *Error) Error() string {
	msg := "deploy failed at " + e.Stage + ": " + e.Err.Error()
	if d := e.Diagnosis; d != nil && d.Failed {
		msg += "\ncause: " + d.Cause + "\nfix: " + d.Fix
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// created is what this run made, so that a failure removes exactly that.
type created struct {
	group    bool          // the service group (only if this run created it)
	instance *api.Instance // the new instance
	image    *pushed       // the image pushed by this run
	// datastore: Prepare ran in this run; Undo removes what it created
	datastore bool
}

// fail diagnoses the new instance (if any), removes what this run created
// unless KeepFailed, and returns the *Error. The earlier deployment's
// instances are never touched here.
func (p *plan) fail(ctx context.Context, cr *created, stageName string, cause error) error {
	ctx = context.WithoutCancel(ctx) // clean up even when the caller gave up
	e := &Error{Stage: stageName, Err: p.red.Err(cause)}
	p.log.Printf("FAILED at %s: %v", stageName, e.Err)
	if cr.instance != nil {
		d := p.diagnose(ctx, cr.instance.UUID)
		e.Diagnosis = &d
	}
	if dse := (*datastore.Error)(nil); e.Diagnosis == nil && errors.As(cause, &dse) {
		e.Diagnosis = dse.Diagnosis // already scrubbed by ci/datastore
	}
	if p.opts.KeepFailed {
		e.Left = p.kept(cr)
		p.log.Printf("--keep-failed: left %s; remove with: go run . destroy --name %s", strings.Join(e.Left, ", "), p.name)
		return e
	}
	e.Left = p.undo(ctx, cr)
	if len(e.Left) > 0 {
		p.log.Printf("could not remove: %s", strings.Join(e.Left, ", "))
	}
	return e
}

// diagnose reads the instance and its logs and prints the verdict.
func (p *plan) diagnose(ctx context.Context, uuid string) diagnose.Diagnosis {
	return diagnose.Report(ctx, p.client, uuid, p.red, p.log.Printf)
}

// undo deletes the instance, then the group if this run created it and it
// is empty, then the image if this run pushed it and nothing uses it. It
// returns what it could not remove.
func (p *plan) undo(ctx context.Context, cr *created) []string {
	var left []string
	if cr.instance != nil {
		p.log.Printf("cleanup: delete instance %s", cr.instance.Name)
		if _, err := p.client.DeleteInstance(ctx, api.ByUUID(cr.instance.UUID)); err != nil && !errors.Is(err, kraftcloud.ErrNotFound) {
			left = append(left, "instance "+cr.instance.Name+" ("+err.Error()+")")
		}
	}
	if cr.datastore {
		left = append(left, p.ds.Undo(ctx, p.platform(cr.image))...)
	}
	if cr.group {
		ours := ""
		if cr.instance != nil {
			ours = cr.instance.UUID
		}
		if err := p.deleteEmptyGroup(ctx, ours); err != nil {
			left = append(left, "service group "+p.name+" ("+err.Error()+")")
		}
	}
	if cr.image != nil {
		if err := p.removeImage(ctx, cr.image); err != nil {
			left = append(left, "image "+cr.image.platform+" ("+err.Error()+")")
		}
	}
	return left
}

// deleteEmptyGroup deletes the group this run created once it is empty.
// The platform may list a deleted instance for a moment, so a group whose
// only member is our instance is asked again, for a few seconds.
func (p *plan) deleteEmptyGroup(ctx context.Context, ours string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		g, err := p.client.GetServiceGroup(ctx, api.ByName(p.name))
		if errors.Is(err, kraftcloud.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case len(g.Instances) == 0:
			p.log.Printf("cleanup: delete service group %s (created by this run)", p.name)
			_, err = p.client.DeleteServiceGroup(ctx, api.ByUUID(g.UUID))
			return err
		case len(g.Instances) > 1 || g.Instances[0].UUID != ours || time.Now().After(deadline):
			p.log.Printf("cleanup: keep service group %s: it has %d instance(s)", p.name, len(g.Instances))
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// removeImage takes back an image this run pushed, unless the registry
// had that digest before (then an earlier deployment may run it: the same
// rootfs gives the same digest) or an instance uses it. The tag goes back
// to where it pointed before this run, so the registry is as we found it.
// A registry that refuses deletes (robot accounts may lack the right)
// leaves an unused image behind: harmless, and reported.
func (p *plan) removeImage(ctx context.Context, img *pushed) error {
	if img.existed {
		return nil
	}
	all, err := p.client.ListInstances(ctx)
	if err != nil {
		return err
	}
	for _, inst := range all {
		if strings.Contains(inst.Image, img.digest.String()) {
			p.log.Printf("cleanup: keep image %s: instance %s uses it", img.platform, inst.Name)
			return nil
		}
	}
	p.log.Printf("cleanup: remove image %s (pushed by this run)", img.platform)
	tag := p.ref.String()
	if img.prevTag.Hex != "" && img.prevTag != img.digest {
		if err := unikernel.Retag(ctx, p.ref.WithDigest(img.prevTag), tag, p.access); err != nil {
			return err
		}
	}
	err = unikernel.Delete(ctx, p.ref.WithDigest(img.digest), p.access)
	if err != nil && !errors.Is(err, unikernel.ErrNoManifest) {
		return err
	}
	if img.prevTag.Hex == "" {
		// Registries that keep tags apart from manifests (not Harbor, where
		// deleting the digest took the tag with it) still have the tag.
		_ = unikernel.Delete(ctx, tag, p.access)
	}
	return nil
}

// kept lists what --keep-failed leaves.
func (p *plan) kept(cr *created) []string {
	var out []string
	if cr.instance != nil {
		out = append(out, "instance "+cr.instance.Name)
	}
	if cr.group {
		out = append(out, "service group "+p.name)
	}
	if cr.image != nil && !cr.image.existed {
		out = append(out, "image "+cr.image.platform)
	}
	if cr.datastore {
		out = append(out, "the "+p.ds.Engine()+" datastore's objects")
	}
	if len(out) == 0 {
		out = append(out, "nothing")
	}
	return out
}
