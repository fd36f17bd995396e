package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/poll"
)

// rollout owns the deployment's instances: the service group (found or
// created), the new instances and their watch, the retirement of the
// earlier deployment once the new one is verified, and, when the run
// fails, the removal of what it created.
type rollout struct {
	client   *kraftcloud.Client
	log      *progress
	name     string
	services []api.Service
	domains  []string // the user's own, besides the platform's FQDN
	cert     *ownCert // the user's certificate for them, if any
	replicas int
	run      runID // tags the new instances: which deploy made them
	t        Timeouts
	// keepFailed: a failed instance is left as it is, for inspection.
	keepFailed bool
	kept       bool // the instances are the running deployment's, kept: never stopped or deleted here

	mu           sync.Mutex
	group        api.ServiceGroup
	createdGroup bool           // this run created the group
	uploaded     bool           // this run uploaded the certificate
	old          []api.Ref      // the earlier deployment: retired only after verification
	insts        []api.Instance // the new instances, from their create on
	ran          []api.Instance // each one as it was when it first ran
	ranAt        time.Time      // when they all ran
	crash        *crash         // the first exit of a new instance, as it was seen
	warnings     []string
}

// crash is a new instance that stopped or restarted, caught at once: its
// fields then are the first exit's (a restart policy's later boots would
// overwrite them) and so is the end of its console.
type crash struct {
	inst  api.Instance
	lines []string
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
		if missing := missingDomains(g, r.domains); len(missing) > 0 {
			r.warnf("service group %s does not answer on %s: the domains of an existing group are not changed here; destroy it (the database stays) and deploy again to add them",
				r.name, strings.Join(missing, ", "))
		}
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
	if r.uploaded, err = r.upload(ctx); err != nil {
		return err
	}
	created := true
	g, err = retryPost(ctx, r.client, r.log, r.t.Retry, "create service group "+r.name,
		func() (api.ServiceGroup, error) {
			return r.client.CreateServiceGroup(ctx, api.ServiceGroupSpec{Name: r.name, Services: r.services, Domains: groupDomains(r.name, r.domains, r.certRef())})
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

// create creates and starts the replicas, "<name>-<id>" each, in the
// group, at the same time. Every instance created is kept in r.insts as
// soon as its create returns, so that a failure of another removes it too.
func (r *rollout) create(ctx context.Context, req api.CreateInstanceRequest) error {
	req.ServiceGroup = &api.ServiceGroupSpec{Name: r.name}
	req.Tags = append(slices.Clone(req.Tags), r.run.tag())
	return r.each(ctx, r.replicas, func(ctx context.Context, _ int) error {
		one := req
		one.Name = r.name + "-" + kraftcloud.NameSuffix()
		r.log.Printf("create instance %s (%d MiB, image %s)", one.Name, one.MemoryMB, one.Image)
		inst, err := retryPost(ctx, r.client, r.log, r.t.Retry, "create instance "+one.Name,
			func() (api.Instance, error) { return r.client.CreateInstance(ctx, one) },
			func() (api.Instance, error) { return r.client.GetInstance(ctx, api.ByName(one.Name)) })
		if err == nil {
			r.mu.Lock()
			r.insts = append(r.insts, inst)
			r.ran = append(r.ran, api.Instance{})
			r.mu.Unlock()
		}
		return err
	})
}

// each runs fn for i in 0..n-1 at the same time and returns the first
// error; the others are cancelled.
func (r *rollout) each(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	for i := range n {
		g.Go(func() error { return fn(ctx, i) })
	}
	return g.Wait()
}

// refs are the new instances by UUID.
func (r *rollout) refs() []api.Ref {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]api.Ref, len(r.insts))
	for i, inst := range r.insts {
		out[i] = api.ByUUID(inst.UUID)
	}
	return out
}

// errStopped is an instance that stopped when it should be running.
var errStopped = errors.New("the instance stopped")

// waitRunning waits until every new instance runs; one that stops
// instead fails at once. Only a running instance replaces what the run
// knows of it, so a failed wait leaves the clean-up pointing at the
// instances it created.
func (r *rollout) waitRunning(ctx context.Context) error {
	refs := r.refs()
	err := r.each(ctx, len(refs), func(ctx context.Context, i int) error {
		return r.waitOneRunning(ctx, i, refs[i])
	})
	if err == nil {
		r.ranAt = time.Now()
		r.log.Printf("%s running; watching for %s", r.names(), r.t.Watch)
	}
	return err
}

func (r *rollout) waitOneRunning(ctx context.Context, i int, ref api.Ref) error {
	var cur api.Instance
	err := poll.Until(ctx, 100*time.Millisecond, r.t.Running, func(ctx context.Context) (bool, error) {
		_, werr := r.client.WaitInstance(ctx, ref, api.StateRunning, runningPoll)
		var err error
		if cur, err = r.client.GetInstance(ctx, ref); err != nil {
			return false, err
		}
		switch {
		case cur.State == api.StateRunning && (cur.StartCount > 1 || cur.RestartCount > 0):
			// A new instance that runs again already crashed once: its
			// restart policy brought it back before we saw it stop.
			r.caught(ctx, cur)
			return false, fmt.Errorf("%w: %s crashed at its first start and was restarted by its %s restart policy", errStopped, cur.Name, cur.RestartPolicy)
		case cur.State == api.StateRunning:
			return true, nil
		case cur.State.Settled():
			r.caught(ctx, cur)
			return false, fmt.Errorf("%w (state %s) before it was running", errStopped, cur.State)
		case werr != nil && !errors.Is(werr, kraftcloud.ErrTimedOut):
			return false, werr
		}
		return false, nil
	})
	if errors.Is(err, poll.ErrDeadline) {
		return fmt.Errorf("the instance %s is still %s after %s", cur.Name, cur.State, r.t.Running)
	}
	if err == nil {
		r.mu.Lock()
		r.insts[i], r.ran[i] = cur, cur
		r.mu.Unlock()
	}
	return err
}

// watch keeps asking for the new instances until they have been running
// for Timeouts.Watch since since: an app that starts and then exits
// (OpenFGA that cannot reach its datastore exits 2) reaches running first.
// A restart counts as a failure too: with a restart policy the platform
// brings a crashed instance back, but what crashed once is not verified.
func (r *rollout) watch(ctx context.Context, since time.Time) error {
	refs := r.refs()
	return poll.Until(ctx, 300*time.Millisecond, 0, func(ctx context.Context) (bool, error) {
		for i, ref := range refs {
			inst, err := r.client.GetInstance(ctx, ref)
			if err != nil {
				return false, err
			}
			if err := r.still(ctx, i, inst); err != nil {
				return false, err
			}
		}
		return time.Since(since) >= r.t.Watch, nil
	})
}

// still checks that the i-th new instance runs the boot it ran at first.
// Whatever its restart policy would do next, what crashed once is not
// verified.
func (r *rollout) still(ctx context.Context, i int, inst api.Instance) error {
	r.mu.Lock()
	first := r.ran[i]
	r.mu.Unlock()
	up := time.Since(r.ranAt).Round(100 * time.Millisecond)
	switch {
	case inst.State != api.StateRunning && inst.RestartPolicy != api.RestartNever && inst.RestartPolicy != "":
		r.caught(ctx, inst)
		return fmt.Errorf("%w: %s was running, then %s after %s (its %s restart policy would start it again)", errStopped, inst.Name, inst.State, up, inst.RestartPolicy)
	case inst.State != api.StateRunning:
		r.caught(ctx, inst)
		return fmt.Errorf("%w: %s was running, then %s after %s", errStopped, inst.Name, inst.State, up)
	case inst.StartCount > first.StartCount || inst.RestartCount > first.RestartCount:
		r.caught(ctx, inst)
		return fmt.Errorf("%w: %s crashed and was restarted by its %s restart policy after %s (exit code %d)",
			errStopped, inst.Name, inst.RestartPolicy, up, inst.ExitCode)
	}
	return nil
}

// caught keeps the first failure of a new instance as it is now, and
// stops the instance so that no later boot overwrites what is to be
// diagnosed (it is removed with the failed run anyway).
func (r *rollout) caught(ctx context.Context, inst api.Instance) {
	r.mu.Lock()
	seen := r.crash != nil
	r.mu.Unlock()
	if seen {
		return
	}
	_, lines, _ := diagnose.Fetch(ctx, r.client, inst.UUID)
	if inst.State != api.StateStopped && !r.keepFailed && !r.kept {
		_, _ = r.client.StopInstance(ctx, api.ByUUID(inst.UUID), true, 0)
	}
	// What is diagnosed is the run that ended, not the boot the restart
	// policy began since.
	inst.State = api.StateStopped
	r.mu.Lock()
	if r.crash == nil {
		r.crash = &crash{inst: inst, lines: lines}
	}
	r.mu.Unlock()
}

// retire drains and deletes the instances of the earlier deployment, once
// the new ones are verified, all at the same time. Each is first stopped
// with a drain timeout (no new connections, open ones may finish), then
// deleted. A failure here does not undo the new deployment: it is
// reported as a warning and the old instance is left for `destroy` or the
// next deploy.
func (r *rollout) retire(ctx context.Context, old []api.Ref) []string {
	var mu sync.Mutex
	var gone []string
	_ = r.each(ctx, len(old), func(ctx context.Context, i int) error {
		ref := old[i]
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
		if _, err := r.client.DeleteInstance(ctx, ref); err != nil && !errors.Is(err, kraftcloud.ErrNotFound) {
			r.warnf("rollout: the old instance %s could not be deleted: %v", label, err)
			return nil
		}
		mu.Lock()
		gone = append(gone, label)
		mu.Unlock()
		return nil
	})
	slices.Sort(gone)
	return gone
}

// undo deletes the new instances, then the group if this run created it
// and it is empty. It returns what it could not remove.
func (r *rollout) undo(ctx context.Context) []string {
	var left []string
	r.mu.Lock()
	insts := slices.Clone(r.insts)
	r.mu.Unlock()
	for _, inst := range insts {
		r.log.Printf("cleanup: delete instance %s", inst.Name)
		if _, err := r.client.DeleteInstance(ctx, api.ByUUID(inst.UUID)); err != nil && !errors.Is(err, kraftcloud.ErrNotFound) {
			left = append(left, "instance "+inst.Name+" ("+err.Error()+")")
		}
	}
	if r.createdGroup {
		if err := r.deleteEmptyGroup(ctx, insts); err != nil {
			left = append(left, "service group "+r.name+" ("+err.Error()+")")
		} else if r.uploaded {
			if err := r.client.DeleteCertificate(ctx, api.ByName(r.cert.name)); err != nil && !errors.Is(err, kraftcloud.ErrNotFound) {
				left = append(left, "certificate "+r.cert.name+" ("+err.Error()+")")
			}
		}
	}
	return left
}

// deleteEmptyGroup deletes the group this run created once it is empty.
// The platform may list a deleted instance for a moment, so a group whose
// only members are ours is asked again, for a few seconds.
func (r *rollout) deleteEmptyGroup(ctx context.Context, ours []api.Instance) error {
	mine := func(ref api.Ref) bool {
		return slices.ContainsFunc(ours, func(i api.Instance) bool { return i.UUID == ref.UUID })
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
		case !slices.ContainsFunc(g.Instances, func(ref api.Ref) bool { return !mine(ref) }):
			return false, nil
		}
		r.log.Printf("cleanup: keep service group %s: it has %d instance(s) of another deploy", r.name, len(g.Instances))
		return true, nil
	})
	if errors.Is(err, poll.ErrDeadline) {
		r.log.Printf("cleanup: keep service group %s: the platform still lists the deleted instances in it", r.name)
		return nil
	}
	return err
}

// names are the new instances' names, for progress lines.
func (r *rollout) names() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := make([]string, len(r.insts))
	for i, inst := range r.insts {
		n[i] = inst.Name
	}
	return strings.Join(n, ", ")
}

// left is what --keep-failed leaves of the instances.
func (r *rollout) left() []string {
	var out []string
	for _, inst := range r.insts {
		out = append(out, "instance "+inst.Name)
	}
	if r.createdGroup {
		out = append(out, "service group "+r.name)
	}
	return out
}

func (r *rollout) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	r.warnings = append(r.warnings, msg)
	r.mu.Unlock()
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

// others reads the group as it is now: the instances this run is to
// retire (every one not its own, made by an earlier run or by hand), and
// the newest run that made some of them if it started after this one.
func (r *rollout) others(ctx context.Context) ([]api.Ref, runID, error) {
	g, err := r.client.GetServiceGroup(ctx, api.ByName(r.name))
	if err != nil {
		return nil, "", err
	}
	var old []api.Ref
	var newer runID
	for _, ref := range g.Instances {
		if slices.ContainsFunc(r.refs(), func(mine api.Ref) bool { return mine.UUID == ref.UUID }) {
			continue
		}
		inst, err := r.client.GetInstance(ctx, kraftcloud.RefFor(cmp.Or(ref.UUID, ref.Name)))
		if errors.Is(err, kraftcloud.ErrNotFound) {
			continue // retired meanwhile by the other run
		}
		if err != nil {
			return nil, "", err
		}
		if id := runOf(inst); id > r.run && id > newer {
			newer = id
		}
		old = append(old, api.Ref{UUID: inst.UUID, Name: inst.Name})
	}
	return old, newer, nil
}
