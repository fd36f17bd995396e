package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/release"
	"golang.org/x/mod/semver"
)

// run is one deploy after validation: the plan, the three owners of
// what it makes (the image, the instances, the verification) and the
// record it fills.
type run struct {
	plan
	log      *progress
	img      *imagePush
	out      *rollout
	check    *verifier
	rec      *Deployment
	prepared bool   // the datastore's Prepare ran: Undo takes it back
	same     bool   // the running deployment is what was asked for: kept, not replaced
	fqdn     string // the deployment's public host name, once created
}

// step is one named stage of a deploy. Once the new deployment serves
// (after the rollout), a failing step is reported but not undone: the new
// deployment is the one serving then.
//
// A rollout step makes or replaces something: it is skipped when the
// running deployment already is what the deploy asks for (see compare).
type step struct {
	stage   Stage
	do      func(ctx context.Context) error
	serving bool
	rollout bool
}

func (r *run) steps() []step {
	return []step{
		{stage: StagePackage, do: r.img.build},
		{stage: StageGate, do: r.gate},
		{stage: StageCompare, do: r.compare},
		{stage: StagePush, do: r.img.push, rollout: true},
		{stage: StageImage, do: r.img.waitVisible, rollout: true},
		{stage: StageDatastore, do: r.prepareDatastore, rollout: true},
		{stage: StageCreate, do: r.create, rollout: true},
		{stage: StageRunning, do: r.out.waitRunning, rollout: true},
		{stage: StageWatch, do: func(ctx context.Context) error { return r.out.watch(ctx, time.Now()) }, rollout: true},
		{stage: StageVerify, do: r.verify},
		{stage: StageRollout, do: r.retire, rollout: true},
		{stage: StagePersistence, do: r.persistence, serving: true, rollout: true},
		{stage: StageAutoscale, do: r.autoscale, serving: true, rollout: true},
		{stage: StageDomains, do: r.verifyDomains, serving: true},
		{stage: StageStore, do: r.bootstrap, serving: true},
		{stage: StageRelease, do: r.record, serving: true, rollout: true},
	}
}

// Run deploys: validate, package, push, create, wait, verify, roll out
// (see the package comment). It returns the record of a verified
// deployment, or an *Error after cleaning up what it created.
func Run(ctx context.Context, o Options) (Deployment, error) {
	start := time.Now()
	rec := Deployment{}
	p, err := validate(o)
	log := newProgress(o.Log, p.red)
	var retries int64
	if err == nil {
		retries = p.client.Retries()
		err = p.checkQuotas(ctx, log)
	}
	rec.Timings.record(StageValidate, time.Since(start))
	if err != nil {
		log.Printf("FAILED at %s: %v", StageValidate, err)
		return rec, &Error{Stage: StageValidate, Err: err}
	}
	for _, w := range p.warnings {
		log.Printf("warning: %s", w)
	}
	r := newRun(p, log, &rec)
	defer r.img.close()
	err = r.do(ctx)
	if n := p.client.Retries() - retries; n > 0 {
		r.warnings = append(r.warnings, fmt.Sprintf("the API answered %d request(s) with a transient failure (429, 5xx or a lost connection); they were sent again and the deploy went through", n))
	}
	rec.Timings.Total = time.Since(start).Milliseconds()
	rec.Warnings = append(r.warnings, r.out.warnings...)
	if rec.Instance != "" && !rec.Persistent {
		rec.Warnings = append(rec.Warnings, memoryWarning)
	}
	return rec, err
}

func newRun(p plan, log *progress, rec *Deployment) *run {
	r := &run{plan: p, log: log, rec: rec}
	r.img = &imagePush{spec: p.image, rootfs: p.rootfs, cmd: p.app.cmd, labels: p.app.labels, client: p.client, log: log, timeout: p.t.Image, memoryMB: p.memoryMB, inputs: p.inputs}
	r.out = &rollout{client: p.client, log: log, name: p.name, services: p.services, domains: p.domains, cert: p.cert, replicas: p.replicas, run: p.run, t: p.t, keepFailed: p.keepFailed}
	r.check = &verifier{client: p.client, log: log, front: p.front, auth: p.auth, t: p.t}
	return r
}

// do runs the steps in order, timing each; the first failure ends the run.
// A run that keeps the running deployment made nothing: a failure then is
// reported and nothing is undone.
func (r *run) do(ctx context.Context) error {
	for _, s := range r.steps() {
		if s.rollout && r.same {
			continue
		}
		start := time.Now()
		err := s.do(ctx)
		r.rec.Timings.record(s.stage, time.Since(start))
		switch {
		case err == nil:
		case s.serving || r.same:
			r.fill()
			r.rec.Verified = false
			err = r.red.Err(err)
			r.log.Printf("FAILED at %s: %v", s.stage, err)
			return &Error{Stage: s.stage, Err: err}
		default:
			return r.fail(ctx, s.stage, err)
		}
	}
	r.fill()
	return nil
}

// record keeps the verified deploy as a release next to its image. A
// registry that refuses the record does not undo a deployment that
// serves: the record's absence is a warning.
func (r *run) record(ctx context.Context) error {
	r.stampFromLogs(ctx)
	r.fill()
	rel := release.Release{ID: string(r.out.run), Time: time.Now().UTC().Format(time.RFC3339), Image: r.rec.Image, Digest: r.rec.Digest,
		OpenFGAVersion: r.rec.OpenFGAVersion, Commit: r.rec.Commit, Datastore: r.rec.Datastore, Persistent: r.rec.Persistent,
		Replicas: len(r.rec.Instances), Copy: r.rec.SafetyCopy, Verified: true}
	if s := r.rec.Result; s != nil {
		rel.StoreID, rel.StoreName, rel.AuthorizationModelID = s.StoreID, s.StoreName, s.AuthorizationModelID
	}
	repo := release.Repo{Repository: r.image.ref.Repository(), Access: r.image.access}
	if err := repo.Save(ctx, rel); err != nil {
		r.warnings = append(r.warnings, "the release could not be recorded in the registry: "+r.red.String(err.Error()))
		return nil
	}
	r.rec.Release = rel.ID
	r.log.Printf("release %s recorded: %s:%s%s", rel.ID, repo.Repository, release.TagPrefix, rel.ID)
	return nil
}

// checkQuotas holds the memory against the user's limits at this metro
// before anything is pushed or created. An API without the quotas
// endpoint is no reason to stop: the create would refuse instead.
func (p *plan) checkQuotas(ctx context.Context, log *progress) error {
	q, err := p.client.Quotas(ctx)
	if err != nil {
		log.Printf("quotas not available (%v): memory limits are checked at create", err)
		return nil
	}
	l := q.Limits
	if (l.MinMemoryMB > 0 && p.memoryMB < l.MinMemoryMB) || (l.MaxMemoryMB > 0 && p.memoryMB > l.MaxMemoryMB) {
		return fmt.Errorf("memory %d MiB is outside this account's limits at this metro: %d .. %d MiB", p.memoryMB, l.MinMemoryMB, l.MaxMemoryMB)
	}
	return nil
}

// prepareDatastore readies a persistent datastore on the platform and
// rebuilds the env with what it learned (its URI).
func (r *run) prepareDatastore(ctx context.Context) error {
	if !r.ds.Persistent() {
		return nil
	}
	r.log.Printf("datastore: prepare %s", r.ds.Engine())
	pf := r.platform()
	pf.CopyBeforeMigrate = !r.skipCopy && r.migrationMayChange(ctx)
	r.prepared = true
	if err := r.ds.Prepare(ctx, pf); err != nil {
		return err
	}
	if c, ok := r.ds.(datastore.Copier); ok {
		r.rec.SafetyCopy = c.SafetyCopy()
	}
	env, err := r.buildEnv()
	r.env = env
	return err
}

// migrationMayChange says whether this deploy's migration may change the
// database's schema: another OpenFGA version than the newest release's
// (the last one to migrate it), or no release on record. Going back to an
// older OpenFGA leaves the newer schema in place, which OpenFGA runs on
// (it checks only a minimum revision): that is said, with the way back.
func (r *run) migrationMayChange(ctx context.Context) bool {
	repo := release.Repo{Repository: r.image.ref.Repository(), Access: r.image.access}
	list, err := repo.List(ctx, "")
	if err != nil || len(list) == 0 {
		return true
	}
	newest := list[0]
	switch {
	case newest.Digest == r.img.pushed.digest.String():
		return false // the same image, and so the same OpenFGA, migrated it
	case r.stamp.version == "unknown":
		return true
	}
	if semver.IsValid(newest.OpenFGAVersion) && semver.Compare(r.stamp.version, newest.OpenFGAVersion) < 0 {
		r.warnings = append(r.warnings, fmt.Sprintf("OpenFGA %s runs on the schema OpenFGA %s migrated this database to (OpenFGA accepts a newer schema; its older `migrate` leaves it as it is). To have the data as it was before that migration, restore the safety copy taken then (`releases` names it: %s)",
			r.stamp.version, newest.OpenFGAVersion, cmp.Or(copyBefore(list, newest), "none was taken")))
		return false
	}
	return newest.OpenFGAVersion != r.stamp.version
}

// copyBefore is the newest safety copy among the releases up to rel.
func copyBefore(list []release.Release, rel release.Release) string {
	for _, r := range list {
		if r.ID <= rel.ID && r.Copy != "" {
			return r.Copy
		}
	}
	return ""
}

// platform is what the datastore gets to prepare itself.
func (r *run) platform() datastore.Platform {
	image := ""
	if r.img.pushed != nil {
		image = r.img.pushed.platform
	}
	return datastore.Platform{Client: r.client, Name: r.name, Image: image, Binary: r.img.cmd[0], MemoryMB: r.memoryMB,
		KeepFailed: r.keepFailed, Logf: r.log.Printf, Timeouts: r.t.Datastore}
}

// create makes sure the group exists and creates the new instance in it.
func (r *run) create(ctx context.Context) error {
	if err := r.out.ensureGroup(ctx); err != nil {
		return err
	}
	return r.out.create(ctx, api.CreateInstanceRequest{
		Image: r.img.pushed.platform, Args: r.img.cmd, Env: r.env, MemoryMB: r.memoryMB,
		Autostart: true, RestartPolicy: r.restart, ScaleToZero: r.s2z,
	})
}

// verify proves the new instances serve through the FQDN, then checks
// they are still up: the checks took a while.
func (r *run) verify(ctx context.Context) error {
	r.fqdn = publicFQDN(r.out.insts[0], r.out.group, r.domains)
	if r.fqdn == "" {
		return errors.New("the service group has no public FQDN")
	}
	if err := r.check.serves(ctx, r.out.refs(), r.fqdn, len(r.out.old), &r.rec.Timings, r.out.still); err != nil {
		return err
	}
	if err := r.out.watch(ctx, time.Now().Add(-r.t.Watch)); err != nil {
		return err
	}
	r.log.Printf("verified: https://%s serves OpenFGA", r.fqdn)
	return nil
}

// retire drains and deletes the earlier deployment's instances, unless
// another deploy of the same name started after this one and is rolling
// out too: then that one wins, and this run takes its own instances back
// (see runID). What could not be deleted is a warning, never a failure.
func (r *run) retire(ctx context.Context) error {
	old, newer, err := r.out.others(ctx)
	if err != nil {
		return err
	}
	if newer != "" {
		return fmt.Errorf("another deploy of %s (run %s) started after this one (run %s) and is rolling out: it wins, and this run's instances are removed", r.name, newer, r.out.run)
	}
	if len(old) > 0 {
		r.rec.Replaced = r.out.retire(ctx, old)
	}
	return nil
}

// persistence checks, on a datastore the deployments share, that the
// earlier deployment's data is still there.
func (r *run) persistence(ctx context.Context) error {
	if !r.prepared || !r.persistent() {
		return nil
	}
	found, err := r.check.persistence(ctx, r.fqdn)
	r.rec.Persistence = found
	return err
}

// fill completes the record of the new deployment.
func (r *run) fill() {
	rec, inst, pu := r.rec, r.out.insts[0], r.img.pushed
	rec.URL, rec.Instance, rec.UUID, rec.ServiceGroup = "https://"+r.fqdn, inst.Name, inst.UUID, r.out.group.Name
	rec.Instances = make([]InstanceRef, len(r.out.insts))
	for i, in := range r.out.insts {
		rec.Instances[i] = InstanceRef{Name: in.Name, UUID: in.UUID}
	}
	rec.RestartPolicy = r.restart.String()
	if r.poolEnv() != nil {
		pool := r.pool()
		rec.Pool = &pool
	}
	rec.Image, rec.Digest = r.image.ref.WithDigest(pu.digest), pu.digest.String()
	rec.Metro = metroOf(r.fqdn, r.client.Endpoint())
	rec.OpenFGAVersion, rec.Commit = r.stamp.version, r.stamp.commit
	rec.Verified = true
	rec.Datastore, rec.Persistent = r.engine(), r.persistent()
	rec.MemoryMB = r.memoryMB
	rec.Auth = r.auth.method()
}

// publicFQDN is the platform's FQDN of the deployment: not one of the
// user's own domains, which may not resolve yet.
func publicFQDN(inst api.Instance, g api.ServiceGroup, own []string) string {
	var all []string
	all = append(all, inst.PublicFQDNs()...)
	for _, d := range g.Domains {
		all = append(all, d.FQDN)
	}
	for _, f := range all {
		if f = strings.TrimSuffix(f, "."); f != "" && !slices.Contains(own, f) {
			return f
		}
	}
	return ""
}

// metroOf reads the metro from "<name>.<metro>.<domain>", else gives the
// API endpoint (a simulator URL, say).
func metroOf(fqdn, endpoint string) string {
	if parts := strings.Split(fqdn, "."); len(parts) >= 4 {
		return parts[1]
	}
	return endpoint
}
