package deploy

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

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

// maxWaitCall is the longest wait the API accepts in one call ("Timeout
// value must be in the range -1 to 10000", anchors §4.3): longer waits
// are several calls.
const maxWaitCall = 10 * time.Second

// runningPoll is one wait call while waiting for running: short, because
// a wait for running may not end when the instance stops instead, and a
// crash at boot should be reported at once.
const runningPoll = 2 * time.Second

// ensureGroup returns the deployment's persistent service group, creating
// it when missing, and whether this run created it.
func (p *plan) ensureGroup(ctx context.Context) (api.ServiceGroup, bool, error) {
	ref := api.ByName(p.name)
	g, err := p.client.GetServiceGroup(ctx, ref)
	if err == nil {
		if !sameServices(g.Services, p.services) {
			p.warnf("service group %s keeps its published ports %s (asked for %s): ports of an existing group are not changed; destroy it to change them",
				p.name, servicesString(g.Services), servicesString(p.services))
		}
		return g, false, nil
	}
	if !errors.Is(err, kraftcloud.ErrNotFound) {
		return g, false, err
	}
	p.log.Printf("create service group %s (%s)", p.name, servicesString(p.services))
	created := true
	g, err = retryPost(ctx, p, "create service group "+p.name,
		func() (api.ServiceGroup, error) {
			return p.client.CreateServiceGroup(ctx, api.ServiceGroupSpec{Name: p.name, Services: p.services})
		},
		func() (api.ServiceGroup, error) {
			created = false // someone (maybe our lost request) made it: leave it be on failure
			return p.client.GetServiceGroup(ctx, ref)
		})
	return g, created && err == nil, err
}

// createInstance creates and starts "<name>-<id>" in the group.
func (p *plan) createInstance(ctx context.Context, image string) (api.Instance, error) {
	req := api.CreateInstanceRequest{
		Name: p.name + "-" + newID(), Image: image, Args: p.cmd, Env: p.env, MemoryMB: p.memoryMB,
		ServiceGroup: &api.ServiceGroupSpec{Name: p.name}, Autostart: true,
		RestartPolicy: api.RestartNever, ScaleToZero: p.s2z,
	}
	p.log.Printf("create instance %s (%d MiB, image %s)", req.Name, req.MemoryMB, image)
	return retryPost(ctx, p, "create instance "+req.Name,
		func() (api.Instance, error) { return p.client.CreateInstance(ctx, req) },
		func() (api.Instance, error) { return p.client.GetInstance(ctx, api.ByName(req.Name)) })
}

// retryPost repeats a create the API turned away for now (429, 5xx) or
// whose answer was lost. The client never retries a POST by itself, since
// a lost answer may hide a success; the names here are unique, so before
// each retry the object is looked up, and a found one is taken.
func retryPost[T any](ctx context.Context, p *plan, what string, create, lookup func() (T, error)) (T, error) {
	deadline := time.Now().Add(p.t.Retry)
	wait := 500 * time.Millisecond
	for {
		v, err := create()
		if err == nil || !transient(err) {
			return v, err
		}
		if found, lerr := lookup(); lerr == nil {
			return found, nil
		}
		if time.Now().Add(wait).After(deadline) {
			return v, fmt.Errorf("%s: the API kept refusing for %s: %w", what, p.t.Retry, err)
		}
		p.log.Printf("%s: %v; retrying in %s", what, err, wait)
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// transient: "try again later" answers, and failures before any answer.
func transient(err error) bool {
	var he *kraftcloud.HTTPError
	var ae *kraftcloud.APIError
	var te *kraftcloud.TransportError
	switch {
	case errors.As(err, &he):
		return he.StatusCode == http.StatusTooManyRequests || he.StatusCode >= 500
	case errors.As(err, &ae):
		return ae.HTTPStatus == http.StatusTooManyRequests || ae.HTTPStatus >= 500
	}
	return errors.As(err, &te)
}

// errStopped is an instance that stopped when it should be running.
var errStopped = errors.New("the instance stopped")

// waitRunning waits (several bounded wait calls) until the instance runs;
// an instance that stops instead fails at once.
func (p *plan) waitRunning(ctx context.Context, ref api.Ref) (api.Instance, error) {
	deadline := time.Now().Add(p.t.Running)
	for {
		left := time.Until(deadline)
		_, werr := p.client.WaitInstance(ctx, ref, api.StateRunning, min(left, runningPoll))
		inst, err := p.client.GetInstance(ctx, ref)
		switch {
		case err != nil:
			return inst, err
		case inst.State == api.StateRunning:
			return inst, nil
		case inst.State.Settled():
			return inst, fmt.Errorf("%w (state %s) before it was running", errStopped, inst.State)
		case werr != nil && !errors.Is(werr, kraftcloud.ErrTimedOut):
			return inst, werr
		case time.Now().After(deadline):
			return inst, fmt.Errorf("the instance is still %s after %s", inst.State, p.t.Running)
		}
	}
}

// watch keeps asking for the instance until it has been running for
// Timeouts.Watch: an app that starts and then exits (the seed's exit 2)
// reaches running first.
func (p *plan) watch(ctx context.Context, ref api.Ref, since time.Time) error {
	for {
		inst, err := p.client.GetInstance(ctx, ref)
		if err != nil {
			return err
		}
		if inst.State != api.StateRunning {
			return fmt.Errorf("%w: it was running, then %s after %s", errStopped, inst.State, time.Since(since).Round(100*time.Millisecond))
		}
		if time.Since(since) >= p.t.Watch {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func sameServices(a, b []api.Service) bool {
	return slices.EqualFunc(a, b, func(x, y api.Service) bool {
		return x.Port == y.Port && x.DestinationPort == y.DestinationPort && len(x.Handlers) == len(y.Handlers) &&
			!slices.ContainsFunc(x.Handlers, func(h api.Handler) bool { return !slices.Contains(y.Handlers, h) })
	})
}

func servicesString(svcs []api.Service) string {
	s := ""
	for i, v := range svcs {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%d:%d/", v.Port, v.DestinationPort)
		for j, h := range v.Handlers {
			if j > 0 {
				s += "+"
			}
			s += string(h)
		}
	}
	return s
}

func (p *plan) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.warnings = append(p.warnings, msg)
	p.log.Printf("warning: %s", msg)
}
