package datastore

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
)

// Datastore is where OpenFGA keeps its data, and what it takes on the
// platform to have it ready. A deploy asks it for OpenFGA's env, calls
// Prepare after the OpenFGA image is pushed and before OpenFGA starts, asks
// for the env again (a URI may be known only then), and calls Undo when it
// fails later. One implementation a file: Memory, Postgres, External.
type Datastore interface {
	// Engine is OPENFGA_DATASTORE_ENGINE.
	Engine() string
	// Env is every OPENFGA_DATASTORE_* variable the instance needs.
	Env() map[string]string
	// Persistent says whether data survives a restart of the instance;
	// when it does not, scale-to-zero is turned off and the record warns.
	Persistent() bool
	// Secrets are values to keep out of all output (a password, a URI).
	Secrets() []string
	// Prepare readies the datastore on the platform.
	Prepare(ctx context.Context, pf Platform) error
	// Undo takes back what Prepare created (never what existed before)
	// and returns what it could not remove.
	Undo(ctx context.Context, pf Platform) []string
}

// Copier is a datastore that can keep a copy of its data before a
// migration (Platform.CopyBeforeMigrate); SafetyCopy names the copy
// Prepare made, "" when it made none.
type Copier interface {
	SafetyCopy() string
}

// Platform is what a deploy hands to Prepare: where to create instances
// and the OpenFGA image it has just pushed.
type Platform struct {
	Client *kraftcloud.Client
	// Name is the deployment's name; the datastore's objects are named
	// after it ("<name>-pg", "<name>-pgdata", "<name>-migrate-<id>").
	Name string
	// Image is the pushed OpenFGA image as the API names it
	// (<user>/<name>@sha256:...): the migrate instance runs it.
	Image string
	// Binary is OpenFGA's path in the image (cmd[0]); default /usr/bin/openfga.
	Binary string
	// MemoryMB is OpenFGA's memory: the migrate instance gets the same,
	// since the same rootfs is unpacked into its RAM.
	MemoryMB int64
	// KeepFailed leaves a failed migrate instance for inspection.
	KeepFailed bool
	// CopyBeforeMigrate says the migration may change the schema (another
	// OpenFGA version than the last one to migrate this database, or none
	// on record): keep a restorable copy of the data first.
	CopyBeforeMigrate bool
	// Logf receives progress lines (no secrets are ever passed to it).
	Logf     func(format string, args ...any)
	Timeouts Timeouts
}

// Timeouts bound the datastore's waits; zero fields take the defaults.
type Timeouts struct {
	Volume  time.Duration // a new volume becomes available
	Ready   time.Duration // the database accepts connections (a first boot runs initdb)
	Migrate time.Duration // the migrate instance stops
	// Connect is how long `openfga migrate` retries the connection
	// (its --timeout): a wrong password or host fails after it.
	Connect time.Duration
}

// DefaultTimeouts suit the platform; tests shorten Connect.
var DefaultTimeouts = Timeouts{Volume: 60 * time.Second, Ready: 120 * time.Second, Migrate: 150 * time.Second, Connect: 30 * time.Second}

func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts
	t.Volume, t.Ready = cmp.Or(t.Volume, d.Volume), cmp.Or(t.Ready, d.Ready)
	t.Migrate, t.Connect = cmp.Or(t.Migrate, d.Migrate), cmp.Or(t.Connect, d.Connect)
	return t
}

func (pf *Platform) check() error {
	switch {
	case pf.Client == nil:
		return errors.New("datastore: no API client")
	case pf.Name == "":
		return errors.New("datastore: no deployment name")
	case pf.Image == "":
		return errors.New("datastore: no OpenFGA image to run the migration with")
	}
	if pf.Binary == "" {
		pf.Binary = "/usr/bin/openfga"
	}
	if pf.MemoryMB <= 0 {
		pf.MemoryMB = 512
	}
	if pf.Logf == nil {
		pf.Logf = func(string, ...any) {}
	}
	pf.Timeouts = pf.Timeouts.withDefaults()
	return nil
}
