package deploy

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/poll"
)

// rollout owns the deployment's instances: the service group (found or
// created), the new instance and its watch, the retirement of the earlier
// deployment once the new one is verified, and, when the run fails, the
// removal of what it created.
type rollout struct {
	client   *kraftcloud.Client
	log      *progress
	name     string
	services []api.Service
	t        Timeouts

	group        api.ServiceGroup
	createdGroup bool          // this run created the group
	old          []api.Ref     // the earlier deployment: retired only after verification
	inst         *api.Instance // the new instance, from its create on
	warnings     []string
}

// idLen is the length of the random suffix of instance names.
const idLen = 6

// newID is a short random [a-z0-9] suffix: instance names stay unique, so
// a create whose answer was lost can be found again by name.
func newID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, idLen)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// runningPoll is one wait call while waiting for running: short, because
// a wait for running may not end when the instance stops instead, and a
// crash at boot should be reported at once.
const runningPoll = 2 * time.Second

// ensureGroup finds the deployment's persistent service group, creating
// it when missing.
func (r *rollout) ensureGroup(ctx context.Context) error {
	ref := api.ByName(r.name)
	g, err := r.client.GetServiceGroup(ctx, ref)
	if err == nil {
		if !sameServices(g.Services, r.services) {
			r.warnf("service group %s keeps its published ports %s (asked for %s): ports of an existing group are not changed; destroy it to change them",
				r.name, servicesString(g.Services), servicesString(r.services))
		}
		r.group, r.old = g, g.Instances
		return nil
	}
	if !errors.Is(err, kraftcloud.ErrNotFound) {
		return err
	}
	r.log.Printf("create service group %s (%s)", r.name, servicesString(r.services))
	created := true
	g, err = retryPost(ctx, r.log, r.t.Retry, "create service group "+r.name,
		func() (api.ServiceGroup, error) {
			return r.client.CreateServiceGroup(ctx, api.ServiceGroupSpec{Name: r.name, Services: r.services})
		},
		func() (api.ServiceGroup, error) {
			created = false // someone (maybe our lost request) made it: leave it be on failure
			return r.client.GetServiceGroup(ctx, ref)
		})
	if err != nil {
		return err
	}
	r.group, r.createdGroup, r.old = g, created, g.Instances
	return nil
}

// create creates and starts "<name>-<id>" in the group.
func (r *rollout) create(ctx context.Context, req api.CreateInstanceRequest) error {
	req.Name = r.name + "-" + newID()
	req.ServiceGroup = &api.ServiceGroupSpec{Name: r.name}
	r.log.Printf("create instance %s (%d MiB, image %s)", req.Name, req.MemoryMB, req.Image)
	inst, err := retryPost(ctx, r.log, r.t.Retry, "create instance "+req.Name,
		func() (api.Instance, error) { return r.client.CreateInstance(ctx, req) },
		func() (api.Instance, error) { return r.client.GetInstance(ctx, api.ByName(req.Name)) })
	if err != nil {
		return err
	}
	r.inst = &inst
	return nil
}

// ref is the new instance by UUID.
func (r *rollout) ref() api.Ref { return api.ByUUID(r.inst.UUID) }

// errStopped is an instance that stopped when it should be running.
var errStopped = errors.New("the instance stopped")

// waitRunning waits (several bounded wait calls) until the new instance
// runs; one that stops instead fails at once. Only a running instance
// replaces what the run knows of it, so a failed wait leaves the clean-up
// pointing at the instance it created.
func (r *rollout) waitRunning(ctx context.Context) error {
	var cur api.Instance
	err := poll.Until(ctx, 100*time.Millisecond, r.t.Running, func(ctx context.Context) (bool, error) {
		_, werr := r.client.WaitInstance(ctx, r.ref(), api.StateRunning, runningPoll)
		var err error
		if cur, err = r.client.GetInstance(ctx, r.ref()); err != nil {
			return false, err
		}
		switch {
		case cur.State == api.StateRunning:
			return true, nil
		case cur.State.Settled():
			return false, fmt.Errorf("%w (state %s) before it was running", errStopped, cur.State)
		case werr != nil && !errors.Is(werr, kraftcloud.ErrTimedOut):
			return false, werr
		}
		return false, nil
	})
	if errors.Is(err, poll.ErrDeadline) {
		return fmt.Errorf("the instance is still %s after %s", cur.State, r.t.Running)
	}
	if err == nil {
		r.inst = &cur
		r.log.Printf("instance %s is running; watching it for %s", cur.Name, r.t.Watch)
	}
	return err
}

// watch keeps asking for the new instance until it has been running for
// Timeouts.Watch since since: an app that starts and then exits (OpenFGA
// that cannot reach its datastore exits 2) reaches running first.
func (r *rollout) watch(ctx context.Context, since time.Time) error {
	return poll.Until(ctx, 300*time.Millisecond, 0, func(ctx context.Context) (bool, error) {
		inst, err := r.client.GetInstance(ctx, r.ref())
		switch {
		case err != nil:
			return false, err
		case inst.State != api.StateRunning:
			return false, fmt.Errorf("%w: it was running, then %s after %s", errStopped, inst.State, time.Since(since).Round(100*time.Millisecond))
		}
		return time.Since(since) >= r.t.Watch, nil
	})
}

// retire drains and deletes the instances of the earlier deployment, once
// the new one is verified. Each is first stopped with a drain timeout (no
// new connections, open ones may finish), then deleted. A failure here
// does not undo the new deployment: it is reported as a warning and the
// old instance is left for `destroy` or the next deploy.
func (r *rollout) retire(ctx context.Context) []string {
	var gone []string
	for _, ref := range r.old {
		label := cmp.Or(ref.Name, ref.UUID)
		if ref.UUID != "" {
			ref.Name = "" // the API takes one of the two
		}
		r.log.Printf("rollout: drain %s (up to %s), then delete it", label, r.t.Drain)
		if _, err := r.client.StopInstance(ctx, ref, false, r.t.Drain); err == nil {
			_, _ = r.client.WaitInstance(ctx, ref, api.StateStopped, r.t.Drain+5*time.Second)
		} else {
			r.log.Printf("rollout: stop %s: %v (deleting it anyway)", label, err)
		}
		if _, err := r.client.DeleteInstance(ctx, ref); err != nil {
			r.warnf("rollout: the old instance %s could not be deleted: %v", label, err)
			continue
		}
		gone = append(gone, label)
	}
	return gone
}

// undo deletes the new instance, then the group if this run created it
// and it is empty. It returns what it could not remove.
func (r *rollout) undo(ctx context.Context) []string {
	var left []string
	if r.inst != nil {
		r.log.Printf("cleanup: delete instance %s", r.inst.Name)
		if _, err := r.client.DeleteInstance(ctx, r.ref()); err != nil && !errors.Is(err, kraftcloud.ErrNotFound) {
			left = append(left, "instance "+r.inst.Name+" ("+err.Error()+")")
		}
	}
	if r.createdGroup {
		if err := r.deleteEmptyGroup(ctx); err != nil {
			left = append(left, "service group "+r.name+" ("+err.Error()+")")
		}
	}
	return left
}

// deleteEmptyGroup deletes the group this run created once it is empty.
// The platform may list a deleted instance for a moment, so a group whose
// only member is our instance is asked again, for a few seconds.
func (r *rollout) deleteEmptyGroup(ctx context.Context) error {
	ours := ""
	if r.inst != nil {
		ours = r.inst.UUID
	}
	err := poll.Until(ctx, 500*time.Millisecond, 10*time.Second, func(ctx context.Context) (bool, error) {
		g, err := r.client.GetServiceGroup(ctx, api.ByName(r.name))
		switch {
		case errors.Is(err, kraftcloud.ErrNotFound):
			return true, nil
		case err != nil:
			return false, err
		case len(g.Instances) == 0:
			r.log.Printf("cleanup: delete service group %s (created by this run)", r.name)
			_, err = r.client.DeleteServiceGroup(ctx, api.ByUUID(g.UUID))
			return err == nil, err
		case len(g.Instances) > 1 || g.Instances[0].UUID != ours:
			r.log.Printf("cleanup: keep service group %s: it has %d instance(s)", r.name, len(g.Instances))
			return true, nil
		}
		return false, nil
	})
	if errors.Is(err, poll.ErrDeadline) {
		r.log.Printf("cleanup: keep service group %s: the platform still lists the deleted instance in it", r.name)
		return nil
	}
	return err
}

// left is what --keep-failed leaves of the instances.
func (r *rollout) left() []string {
	var out []string
	if r.inst != nil {
		out = append(out, "instance "+r.inst.Name)
	}
	if r.createdGroup {
		out = append(out, "service group "+r.name)
	}
	return out
}

func (r *rollout) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.warnings = append(r.warnings, msg)
	r.log.Printf("warning: %s", msg)
}

func sameServices(a, b []api.Service) bool {
	return slices.EqualFunc(a, b, func(x, y api.Service) bool {
		return x.Port == y.Port && x.DestinationPort == y.DestinationPort && len(x.Handlers) == len(y.Handlers) &&
			!slices.ContainsFunc(x.Handlers, func(h api.Handler) bool { return !slices.Contains(y.Handlers, h) })
	})
}

func servicesString(svcs []api.Service) string {
	parts := make([]string, len(svcs))
	for i, v := range svcs {
		hs := make([]string, len(v.Handlers))
		for j, h := range v.Handlers {
			hs[j] = string(h)
		}
		parts[i] = fmt.Sprintf("%d:%d/%s", v.Port, v.DestinationPort, strings.Join(hs, "+"))
	}
	return strings.Join(parts, " ")
}
