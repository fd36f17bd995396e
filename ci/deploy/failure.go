package deploy

import (
	"context"
	"errors"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
)

// Error is a failed deployment: the stage it failed in, the cause, and the
// diagnosis of the new instance when there was one.
type Error struct {
	Stage     Stage
	Err       error               // already scrubbed of secrets
	Diagnosis *diagnose.Diagnosis // nil when no instance was created
	Left      []string            // what --keep-failed (or a failed delete) left behind
}

func (e *Error) Error() string {
	msg := "deploy failed at " + string(e.Stage) + ": " + e.Err.Error()
	if d := e.Diagnosis; d != nil && d.Failed {
		msg += "\ncause: " + d.Cause + "\nfix: " + d.Fix
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// fail diagnoses the new instance (if any), removes what this run created
// unless --keep-failed, and returns the *Error. The earlier deployment's
// instances are never touched here. The clean-up has its own bounded
// context: the caller's may be what ended the run (a cancelled job).
func (r *run) fail(ctx context.Context, stage Stage, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.t.Cleanup)
	defer cancel()
	e := &Error{Stage: stage, Err: r.red.Err(cause)}
	r.log.Printf("FAILED at %s: %v", stage, e.Err)
	if inst := r.out.inst; inst != nil {
		d := diagnose.Report(ctx, r.client, inst.UUID, r.red, r.log.Printf)
		e.Diagnosis = &d
	}
	if dse := (*datastore.Error)(nil); e.Diagnosis == nil && errors.As(cause, &dse) {
		e.Diagnosis = dse.Diagnosis // already scrubbed by ci/datastore
	}
	if r.keepFailed {
		e.Left = r.kept()
		r.log.Printf("--keep-failed: left %s; remove with: go run . destroy --name %s", strings.Join(e.Left, ", "), r.name)
		return e
	}
	e.Left = r.undo(ctx)
	if len(e.Left) > 0 {
		r.log.Printf("could not remove: %s", strings.Join(e.Left, ", "))
	}
	return e
}

// undo removes what this run created, in the order that lets each go:
// the instance, then the datastore's objects, then the group if this run
// made it and it is empty, then the image if this run pushed it and
// nothing runs it. It returns what it could not remove.
func (r *run) undo(ctx context.Context) []string {
	left := r.out.undo(ctx)
	if r.prepared {
		left = append(left, r.ds.Undo(ctx, r.platform())...)
	}
	if err := r.img.remove(ctx); err != nil {
		left = append(left, "image "+r.img.pushed.platform+" ("+err.Error()+")")
	}
	return left
}

// kept lists what --keep-failed leaves.
func (r *run) kept() []string {
	out := append(r.out.left(), r.img.left()...)
	if r.prepared {
		out = append(out, "the "+r.ds.Engine()+" datastore's objects")
	}
	if len(out) == 0 {
		out = append(out, "nothing")
	}
	return out
}
