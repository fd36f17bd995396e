package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/release"
)

// Restore brings a deployment's database back to the safety copy from
// (taken before a release's migration) and OpenFGA back to the release
// that ran on that data, the one before: OpenFGA's instances are stopped
// (nothing may write meanwhile), the database instance goes, its data is
// kept as another copy, the copy is cloned into the volume, and the
// matching release is deployed with o (a new database instance on the
// restored volume, verified, the stopped instances retired). o is a
// deploy's options with a PostgreSQL datastore on the platform.
func Restore(ctx context.Context, o Options, from string) (Deployment, error) {
	if _, ok := o.Datastore.(*datastore.Postgres); !ok || o.Client == nil {
		return Deployment{}, errors.New("restore needs the API client and --datastore postgres: it restores the database on the platform")
	}
	list, err := Releases(ctx, o.Client, Where{Name: o.Name, Registry: o.Registry, CAFile: o.CAFile})
	if err != nil {
		return Deployment{}, err
	}
	match, err := before(list, from)
	if err != nil {
		return Deployment{}, err
	}
	log := newProgress(o.Log, nil)
	log.Printf("restore: %s holds the data of release %s (OpenFGA %s); stop OpenFGA, restore, deploy that release", from, match.ID, match.OpenFGAVersion)
	if err := stopAll(ctx, o, log); err != nil {
		return Deployment{}, err
	}
	pf := datastore.Platform{Client: o.Client, Name: o.Name, Image: match.Image, Logf: log.Printf, Timeouts: o.Timeouts.Datastore}
	kept, err := datastore.Restore(ctx, pf, from)
	if err != nil {
		return Deployment{}, fmt.Errorf("restore %s: %w", from, err)
	}
	o.Image, o.Rootfs, o.OpenFGAVersion, o.Commit, o.skipCopy = match.Image, "", match.OpenFGAVersion, match.Commit, true
	rec, err := Run(ctx, o)
	rec.Restored, rec.KeptData = from, kept
	return rec, err
}

// before is the release whose data the copy holds: the newest one older
// than the release that took it.
func before(list []release.Release, copyName string) (release.Release, error) {
	for i, r := range list {
		if r.Copy != copyName {
			continue
		}
		if i+1 == len(list) {
			return release.Release{}, fmt.Errorf("the copy %s was taken before the first release on record: deploy the OpenFGA version that ran on it with its rootfs, then restore", copyName)
		}
		return list[i+1], nil
	}
	return release.Release{}, fmt.Errorf("no release of this deployment took the copy %s (see `releases`: each names its safety_copy)", copyName)
}

// stopAll stops every OpenFGA instance of the deployment and waits for it.
func stopAll(ctx context.Context, o Options, log *progress) error {
	_, insts, err := members(ctx, o.Client, o.Name)
	if err != nil {
		return err
	}
	for _, inst := range insts {
		log.Printf("restore: stop %s", inst.Name)
		if _, err := o.Client.StopInstance(ctx, api.ByUUID(inst.UUID), true, 0); err != nil {
			return err
		}
		if _, err := o.Client.WaitInstance(ctx, api.ByUUID(inst.UUID), api.StateStopped, 30*time.Second); err != nil && inst.State != api.StateStopped {
			log.Printf("restore: %s: %v", inst.Name, err)
		}
	}
	return nil
}
