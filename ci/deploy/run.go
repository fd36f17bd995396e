package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// Run deploys: validate, package, push, create, wait, verify, roll out
// (see the package comment). It returns the record of a verified
// deployment, or an *Error after cleaning up what it created.
func Run(ctx context.Context, o Options) (Deployment, error) {
	start := time.Now()
	var rec Deployment
	done := stage(&rec.Timings.Validate)
	p, err := validate(o)
	if err == nil {
		err = p.checkQuotas(ctx)
	}
	done()
	if err != nil {
		if p != nil {
			p.log.Printf("FAILED at validate: %v", err)
		}
		return rec, &Error{Stage: "validate", Err: err}
	}
	for _, w := range p.warnings {
		p.log.Printf("warning: %s", w)
	}
	err = p.run(ctx, &rec)
	rec.Timings.Total = time.Since(start).Milliseconds()
	rec.Warnings = p.warnings
	return rec, err
}

// checkQuotas holds the memory against the user's limits at this metro
// before anything is pushed or created. An API without the quotas
// endpoint is no reason to stop: the create would refuse instead.
func (p *plan) checkQuotas(ctx context.Context) error {
	q, err := p.client.Quotas(ctx)
	if err != nil {
		p.log.Printf("quotas not available (%v): memory limits are checked at create", err)
		return nil
	}
	l := q.Limits
	if (l.MinMemoryMB > 0 && p.memoryMB < l.MinMemoryMB) || (l.MaxMemoryMB > 0 && p.memoryMB > l.MaxMemoryMB) {
		return fmt.Errorf("memory %d MiB is outside this account's limits at this metro: %d .. %d MiB", p.memoryMB, l.MinMemoryMB, l.MaxMemoryMB)
	}
	return nil
}

// run is Run after validation; every failure goes through p.fail.
func (p *plan) run(ctx context.Context, rec *Deployment) error {
	var cr created
	fail := func(stageName string, err error) error { return p.fail(ctx, &cr, stageName, err) }

	done := stage(&rec.Timings.Package)
	img, err := p.packageImage(ctx)
	done()
	if err != nil {
		return fail("package", err)
	}
	done = stage(&rec.Timings.Push)
	pu, err := p.push(ctx, img)
	done()
	if err != nil {
		return fail("push", err)
	}
	cr.image = pu
	done = stage(&rec.Timings.ImageLookup)
	err = p.waitImage(ctx, pu)
	done()
	if err != nil {
		return fail("image", err)
	}

	if p.ds.Persistent() {
		done = stage(&rec.Timings.Datastore)
		cr.datastore = true
		err = p.prepareDatastore(ctx, pu)
		done()
		if err != nil {
			return fail("datastore", err)
		}
	}

	done = stage(&rec.Timings.Create)
	g, createdGroup, err := p.ensureGroup(ctx)
	cr.group = createdGroup
	if err != nil {
		done()
		return fail("create", err)
	}
	old := g.Instances // the earlier deployment, if any: retired only after verification
	inst, err := p.createInstance(ctx, pu.platform)
	done()
	if err != nil {
		return fail("create", err)
	}
	cr.instance = &inst
	ref := api.ByUUID(inst.UUID)

	done = stage(&rec.Timings.Running)
	inst, err = p.waitRunning(ctx, ref)
	done()
	if err != nil {
		return fail("running", err)
	}
	p.log.Printf("instance %s is running; watching it for %s", inst.Name, p.t.Watch)
	done = stage(&rec.Timings.Watch)
	err = p.watch(ctx, ref, time.Now())
	done()
	if err != nil {
		return fail("watch", err)
	}

	fqdn := publicFQDN(inst, g)
	if fqdn == "" {
		return fail("verify", errors.New("the service group has no public FQDN"))
	}
	if err := p.verifyFQDN(ctx, ref, fqdn, len(old), rec); err != nil {
		return fail("verify", err)
	}
	// The checks took a while: the new instance must still be up.
	if err := p.watch(ctx, ref, time.Now().Add(-p.t.Watch)); err != nil {
		return fail("verify", err)
	}
	p.log.Printf("verified: https://%s serves OpenFGA", fqdn)

	if len(old) > 0 {
		done = stage(&rec.Timings.Rollout)
		rec.Replaced = p.retire(ctx, old)
		done()
	}
	if err := p.verifyPersistence(ctx, fqdn, rec); err != nil {
		// Not undone: the new deployment is the one serving now; the
		// data it was given is what is missing.
		p.fill(rec, inst, g, fqdn, pu)
		rec.Verified = false
		p.log.Printf("FAILED at persistence: %v", p.red.Err(err))
		return &Error{Stage: "persistence", Err: p.red.Err(err)}
	}
	p.stampFromLogs(ctx, ref)
	p.fill(rec, inst, g, fqdn, pu)
	return nil
}

// prepareDatastore readies a datastore on the platform and rebuilds the
// env with what it learned (its URI).
func (p *plan) prepareDatastore(ctx context.Context, pu *pushed) error {
	p.log.Printf("datastore: prepare %s", p.ds.Engine())
	if err := p.ds.Prepare(ctx, p.platform(pu)); err != nil {
		return err
	}
	return p.buildEnv()
}

// platform is what the datastore gets to prepare itself.
func (p *plan) platform(pu *pushed) datastore.Platform {
	return datastore.Platform{Client: p.client, Name: p.name, Image: pu.platform, Binary: p.cmd[0], MemoryMB: p.memoryMB,
		KeepFailed: p.opts.KeepFailed, Logf: p.log.Printf, Timeouts: p.t.Datastore}
}

// fill completes the record of a verified deployment.
func (p *plan) fill(rec *Deployment, inst api.Instance, g api.ServiceGroup, fqdn string, pu *pushed) {
	rec.URL, rec.Instance, rec.UUID, rec.ServiceGroup = "https://"+fqdn, inst.Name, inst.UUID, g.Name
	rec.Image, rec.Digest = p.ref.WithDigest(pu.digest), pu.digest.String()
	rec.Metro = metroOf(fqdn, p.client.Endpoint())
	rec.OpenFGAVersion, rec.Commit = p.version, p.commit
	rec.Verified = true
	rec.Datastore, rec.Persistent = p.engine(), p.persistent()
	rec.MemoryMB = p.memoryMB
	rec.Auth = "preshared"
	if p.opts.NoAuth {
		rec.Auth = "none"
	}
	if !rec.Persistent {
		p.warnings = append(p.warnings, memoryWarning)
	}
}

func publicFQDN(inst api.Instance, g api.ServiceGroup) string {
	if f := inst.PublicFQDNs(); len(f) > 0 {
		return f[0]
	}
	for _, d := range g.Domains {
		if d.FQDN != "" {
			return d.FQDN
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
