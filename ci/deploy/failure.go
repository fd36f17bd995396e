package deploy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
)

// cancelledCleanup bounds the clean-up of a run whose caller gave up.
const cancelledCleanup = 8 * time.Second

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
	limit, cancelled := r.t.Cleanup, ctx.Err() != nil
	if cancelled {
		// A cancelled job is killed a few seconds after it is told to stop
		// (a CI runner sends SIGINT, then SIGTERM, then SIGKILL): only the
		// deletes are sent, no diagnosis.
		limit = min(limit, cancelledCleanup)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
	defer cancel()
	e := &Error{Stage: stage, Err: r.red.Err(cause)}
	r.log.Printf("FAILED at %s: %v", stage, e.Err)
	if !cancelled {
		if d, ok := r.diagnoseNew(ctx); ok {
			e.Diagnosis = &d
		}
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

// diagnoseNew explains the new instance that failed: the first exit of
// one that stopped or restarted, as it was caught, else the first new
// instance as it is now.
func (r *run) diagnoseNew(ctx context.Context) (diagnose.Diagnosis, bool) {
	r.out.mu.Lock()
	c, insts := r.out.crash, slices.Clone(r.out.insts)
	r.out.mu.Unlock()
	switch {
	case c != nil:
		return diagnose.ReportOf(c.inst, c.lines, r.red, r.log.Printf), true
	case len(insts) > 0:
		return diagnose.Report(ctx, r.client, insts[0].UUID, r.red, r.log.Printf), true
	}
	return diagnose.Diagnosis{}, false
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
