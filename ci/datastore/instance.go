package datastore

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/poll"
)

// Env names the PostgreSQL image's entry point reads (ci/pgimage/entrypoint).
const (
	envPassword = "POSTGRES_PASSWORD"
	envUser     = "POSTGRES_USER"
	envDB       = "POSTGRES_DB"
	envData     = "PGDATA"
)

// ensureInstance returns the deployment's database instance, running and
// accepting connections: the existing one (with its password) on a
// redeploy, else a new one on the volume.
func (p *Postgres) ensureInstance(ctx context.Context, pf *Platform, vol api.Volume) (api.Instance, error) {
	name := InstanceName(pf.Name)
	inst, err := pf.Client.GetInstance(ctx, api.ByName(name))
	switch {
	case err == nil:
		return p.reuse(ctx, pf, inst)
	case !isNotFound(err):
		return inst, &Error{Stage: "database", Err: err}
	}
	p.password = p.Password
	if p.password == "" {
		p.password = newPassword()
		pf.Logf("datastore: generated a password for the database (kept in the instance's env; never printed)")
	}
	p.red.Add(p.password)
	return p.create(ctx, pf, vol)
}

// reuse takes the running database of an earlier deploy, and its password
// from the instance's env: a new random one would lock OpenFGA out.
func (p *Postgres) reuse(ctx context.Context, pf *Platform, inst api.Instance) (api.Instance, error) {
	if err := p.Reusable(pf.Name, inst); err != nil {
		return inst, err
	}
	current := inst.Env[envPassword]
	p.password = current
	p.red.Add(current)
	if inst.Image != "" && !strings.Contains(inst.Image, imageKey(p.Image)) {
		pf.Logf("datastore: keep the running database %s (image %s); the image asked for is only used for a new one", inst.Name, inst.Image)
	}
	if inst.State != api.StateRunning {
		pf.Logf("datastore: start the database %s (%s)", inst.Name, inst.State)
		if _, err := pf.Client.StartInstance(ctx, api.ByUUID(inst.UUID)); err != nil {
			return inst, &Error{Stage: "database", Err: err}
		}
	} else {
		pf.Logf("datastore: reuse the running database %s and its password", inst.Name)
	}
	return p.waitReady(ctx, pf, inst)
}

// checkReusable refuses an existing database instance this deploy could
// not reuse; no instance is no error.
func (p *Postgres) checkReusable(ctx context.Context, pf *Platform) error {
	inst, err := pf.Client.GetInstance(ctx, api.ByName(InstanceName(pf.Name)))
	switch {
	case isNotFound(err):
		return nil
	case err != nil:
		return &Error{Stage: "database", Err: err}
	}
	return p.Reusable(pf.Name, inst)
}

// Reusable says why the database instance inst of the deployment cannot
// be reused as it is, if so (a deploy that keeps the running deployment
// asks before it skips Prepare).
func (p *Postgres) Reusable(deployment string, inst api.Instance) error {
	current := inst.Env[envPassword]
	switch {
	case current == "":
		return &Error{Stage: "database", Err: errors.New("the database instance " + inst.Name + " has no " + envPassword + " in its env: it was not made by this tool; delete it or choose another --name")}
	case p.Password != "" && p.Password != current:
		return &Error{Stage: "database", Err: errors.New("the database instance " + inst.Name + " runs with another password than the one given; omit the password to reuse it (changing it needs a new database instance: destroy --delete-database keeps the volume)")}
	case !mounts(inst, VolumeName(deployment)):
		return &Error{Stage: "database", Err: errors.New("the database instance " + inst.Name + " does not have its volume at " + pgimage.VolumeAt)}
	}
	return nil
}

// create starts a new database instance with the volume.
func (p *Postgres) create(ctx context.Context, pf *Platform, vol api.Volume) (api.Instance, error) {
	req := api.CreateInstanceRequest{
		Name: InstanceName(pf.Name), Image: p.Image, MemoryMB: p.MemoryMB, Autostart: true,
		Args:    append(append([]string{pgimage.EntrypointPath}, pgimage.ServerFlags(p.MemoryMB, vol.SizeMB)...), p.ExtraFlags...),
		Env:     map[string]string{envPassword: p.password, envUser: DefaultUser, envDB: DefaultDatabase, envData: pgimage.DataDir},
		Volumes: []api.VolumeMount{{Name: vol.Name, At: pgimage.VolumeAt}},
		// A database that crashes comes back by itself (with the platform's
		// back-off, so a crash loop does not spin).
		RestartPolicy: api.RestartOnFailure,
	}
	if p.Public {
		req.ServiceGroup = &api.ServiceGroupSpec{Services: []api.Service{{Port: pgimage.Port, DestinationPort: pgimage.Port, Handlers: []api.Handler{api.HandlerTLS}}}}
		// Never scaled to zero: a database in standby may not wake for
		// private traffic (the platform's PostgreSQL example says to turn
		// it off when the database is used over the private network).
		// scale_to_zero needs a service group (the v1 spec), so a private
		// database, which has none, leaves it out: without a service there
		// is nothing that could scale it to zero.
		req.ScaleToZero = &api.ScaleToZero{Policy: api.ScaleToZeroOff}
	}
	pf.Logf("datastore: create the database %s (%d MiB, image %s, volume %s at %s, scale-to-zero off, %s)",
		req.Name, req.MemoryMB, p.Image, vol.Name, pgimage.VolumeAt, publicity(p.Public))
	inst, err := pf.Client.CreateInstance(ctx, req)
	if err != nil {
		return inst, &Error{Stage: "database", Err: errors.New(p.red.String(err.Error()))}
	}
	p.made = append(p.made, made{"instance", req.Name})
	return p.waitReady(ctx, pf, inst)
}

func publicity(public bool) string {
	if public {
		return "published on port 5432 with TLS"
	}
	return "private network only"
}

// waitReady waits until the database runs and its current boot has
// logged that it accepts connections. A database that stops, or that its
// policy restarts meanwhile, has failed: it is diagnosed at once.
func (p *Postgres) waitReady(ctx context.Context, pf *Platform, inst api.Instance) (api.Instance, error) {
	ref := api.ByUUID(inst.UUID)
	restarts := inst.RestartCount // earlier restarts of a reused database are history
	start := time.Now()
	cur := inst
	var stopped bool
	err := poll.Until(ctx, 300*time.Millisecond, pf.Timeouts.Ready, func(ctx context.Context) (bool, error) {
		var err error
		if cur, err = pf.Client.GetInstance(ctx, ref); err != nil {
			return false, &Error{Stage: "database", Err: err}
		}
		stopped = cur.State.Settled() || cur.RestartCount > restarts
		return stopped || (cur.State == api.StateRunning && readyLogged(ctx, pf, ref)), nil
	})
	switch {
	case errors.Is(err, poll.ErrDeadline):
		return cur, failure(ctx, pf, "database", cur.UUID, errors.New("the database "+cur.Name+" did not accept connections within "+pf.Timeouts.Ready.String()), p.red)
	case err != nil:
		return cur, err
	case stopped:
		return cur, failure(ctx, pf, "database", cur.UUID, errors.New("the database "+cur.Name+" stopped before it accepted connections"), p.red)
	}
	pf.Logf("datastore: the database %s accepts connections (%s)", cur.Name, time.Since(start).Round(100*time.Millisecond))
	return cur, nil
}

// readyTail is how much of the console readiness reads: logs are kept
// across restarts and can be long, the current boot's lines are last.
const readyTail = 64 << 10

// bootLine starts every boot of the server's log (before ReadyLine).
const bootLine = "starting PostgreSQL"

// readyLogged reports whether the current boot logged ReadyLine: it must
// come after the last bootLine. A tail with neither is a server that has
// been up for long (its boot scrolled out of the tail).
func readyLogged(ctx context.Context, pf *Platform, ref api.Ref) bool {
	b, err := pf.Client.ReadLogs(ctx, ref, readyTail)
	if err != nil {
		return false
	}
	return bootReady(string(b), len(b) >= readyTail)
}

// bootReady is readyLogged's rule on a log tail (truncated: it is full).
func bootReady(tail string, truncated bool) bool {
	ready, boot := strings.LastIndex(tail, pgimage.ReadyLine), strings.LastIndex(tail, bootLine)
	if ready < 0 && boot < 0 {
		return truncated
	}
	return ready > boot
}

func mounts(inst api.Instance, volume string) bool {
	for _, v := range inst.Volumes {
		if v.Name == volume && v.At == pgimage.VolumeAt {
			return true
		}
	}
	return false
}

// imageKey is the part of an image reference an instance's pinned image
// ("oci://unikraft.io/<repo>:<tag>@sha256:...") contains: the digest, else
// the repository.
func imageKey(image string) string {
	if _, d, ok := strings.Cut(image, "@"); ok {
		return d
	}
	repo, _, _ := strings.Cut(image, ":")
	return repo
}
