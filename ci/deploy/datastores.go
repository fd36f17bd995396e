package deploy

import (
	"context"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
)

// Postgres and External are ci/datastore's persistent datastores as
// Preparers: PostgreSQL run on the platform next to OpenFGA (a volume, a
// database instance, the migration), or one the user runs elsewhere (the
// migration only). ci/datastore knows nothing of this package; the
// adapter hands it the Stage as its Platform.
func Postgres(p *datastore.Postgres, t datastore.Timeouts) Preparer {
	return &preparer{ds: p, t: t}
}

func External(e *datastore.External, t datastore.Timeouts) Preparer {
	return &preparer{ds: e, t: t}
}

// platformStore is what both ci/datastore types offer.
type platformStore interface {
	Datastore
	Prepare(ctx context.Context, pf datastore.Platform) error
	Undo(ctx context.Context, pf datastore.Platform) []string
}

type preparer struct {
	ds platformStore
	t  datastore.Timeouts
}

func (a *preparer) Engine() string         { return a.ds.Engine() }
func (a *preparer) Env() map[string]string { return a.ds.Env() }
func (a *preparer) Persistent() bool       { return a.ds.Persistent() }
func (a *preparer) Secrets() []string      { return a.ds.Secrets() }
func (a *preparer) String() string         { return a.ds.Engine() + " datastore" }
func (a *preparer) Unwrap() platformStore  { return a.ds }
func (a *preparer) platform(s Stage) datastore.Platform {
	return datastore.Platform{Client: s.Client, Name: s.Name, Image: s.Image, Binary: s.Binary, MemoryMB: s.MemoryMB,
		KeepFailed: s.KeepFailed, Logf: s.Logf, Timeouts: a.t}
}

func (a *preparer) Prepare(ctx context.Context, s Stage) error {
	return a.ds.Prepare(ctx, a.platform(s))
}

func (a *preparer) Undo(ctx context.Context, s Stage) []string {
	return a.ds.Undo(ctx, a.platform(s))
}
