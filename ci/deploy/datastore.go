package deploy

import (
	"context"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
)

// Datastore is where OpenFGA keeps its data. It is a small pluggable part
// of the deploy so that another datastore (postgres) only adds a type.
type Datastore interface {
	// Engine is OPENFGA_DATASTORE_ENGINE.
	Engine() string
	// Env is every OPENFGA_DATASTORE_* variable the instance needs.
	Env() map[string]string
	// Persistent says whether data survives a restart of the instance;
	// when it does not, scale-to-zero is turned off and the record warns.
	Persistent() bool
	// Secrets are values to keep out of all output (e.g. a password in a URI).
	Secrets() []string
}

// Memory is OpenFGA's in-memory datastore: per instance, lost on stop.
type Memory struct{}

func (Memory) Engine() string { return "memory" }

func (Memory) Env() map[string]string {
	return map[string]string{"OPENFGA_DATASTORE_ENGINE": "memory"}
}

func (Memory) Persistent() bool { return false }

func (Memory) Secrets() []string { return nil }

// memoryWarning goes into the record of a non-persistent deployment.
const memoryWarning = "the memory datastore is per instance: stores, models and tuples are lost when the instance stops or is replaced, and each instance of a rollout has its own"

// Preparer is a Datastore that needs work on the platform before OpenFGA
// starts (a database instance, the schema migration). Run calls Prepare
// after the image is visible and before the OpenFGA instance is created,
// then asks Env and Secrets again (a URI is known only then). When the
// deploy fails later, Undo takes back what Prepare created and returns
// what it could not remove.
type Preparer interface {
	Datastore
	Prepare(ctx context.Context, s Stage) error
	Undo(ctx context.Context, s Stage) []string
}

// Stage is what Run hands a Preparer.
type Stage struct {
	Client     *kraftcloud.Client
	Name       string // the deployment
	Image      string // the pushed OpenFGA image as the API names it (<user>/<name>@sha256:...)
	Binary     string // OpenFGA in the image (cmd[0])
	MemoryMB   int64  // OpenFGA's memory
	KeepFailed bool
	Logf       func(format string, args ...any) // progress; secrets are scrubbed
}
