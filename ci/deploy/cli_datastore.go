package deploy

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
)

// Environment variables for the datastore's secrets: a password or a URI
// on the command line would end up in shell history and ps.
const (
	PostgresPasswordEnv = "OPENFGA_POSTGRES_PASSWORD"
	DatastoreURIEnv     = "OPENFGA_DATASTORE_URI"
)

// DatastoreSpec is the datastore choice as the CLI and the Dagger module
// take it; Build turns it into the Datastore of Options.
type DatastoreSpec struct {
	Kind     string // memory (default), postgres or external
	Image    string // postgres: the PostgreSQL image; default <namespace>/openfga-pg:15
	VolumeMB int64  // postgres: size of a new volume; default datastore.DefaultVolumeMB
	MemoryMB int64  // postgres: the database's memory; default datastore.DefaultMemoryMB
	Password string // postgres: a secret; default the running database's, else generated
	Public   bool   // postgres: also publish 5432 (TLS by the platform)
	URI      string // external: a secret
}

// Build checks the spec (never quoting a secret) and makes the Datastore;
// namespace (the token's) completes the default image.
func (s DatastoreSpec) Build(namespace string) (Datastore, error) {
	switch s.Kind {
	case "", "memory":
		return Memory{}, nil
	case "postgres":
		p := &datastore.Postgres{Image: cmpOr(s.Image, namespace+"/openfga-pg:15"), VolumeMB: s.VolumeMB, MemoryMB: s.MemoryMB, Password: s.Password, Public: s.Public}
		if err := p.Check(); err != nil {
			return nil, fmt.Errorf("datastore postgres: %w", err)
		}
		return Postgres(p, datastore.Timeouts{}), nil
	case "external":
		e := &datastore.External{URI: s.URI}
		if err := e.Check(); err != nil {
			return nil, fmt.Errorf("datastore external: %w", err)
		}
		return External(e, datastore.Timeouts{}), nil
	}
	return nil, errors.New("datastore " + s.Kind + ": want memory, postgres or external")
}

// datastoreFlags are deploy's datastore options; secrets come from the
// environment unless given.
type datastoreFlags struct{ spec DatastoreSpec }

func (d *datastoreFlags) register(fs *flag.FlagSet) {
	s := &d.spec
	fs.StringVar(&s.Kind, "datastore", "memory", "memory (lost on every restart), postgres (on the platform, with a volume) or external (a PostgreSQL URI)")
	fs.StringVar(&s.Image, "postgres-image", "", "PostgreSQL unikernel image (ci/pgimage), e.g. <user>/openfga-pg:15 (default: <your namespace>/openfga-pg:15)")
	fs.Int64Var(&s.VolumeMB, "volume-size", datastore.DefaultVolumeMB, "size of a new PostgreSQL volume in MiB (an existing one is reused)")
	fs.Int64Var(&s.MemoryMB, "postgres-memory", datastore.DefaultMemoryMB, "PostgreSQL instance memory in MiB")
	fs.StringVar(&s.Password, "postgres-password", "", "PostgreSQL password (default $"+PostgresPasswordEnv+", else the running database's, else generated)")
	fs.BoolVar(&s.Public, "postgres-public", false, "also publish PostgreSQL on port 5432 (TLS by the platform); off: private network only")
	fs.StringVar(&s.URI, "datastore-uri", "", "external PostgreSQL URI (default $"+DatastoreURIEnv+"; prefer the variable: a URI holds a password)")
}

func (d *datastoreFlags) build(namespace string) (Datastore, error) {
	s := d.spec
	s.Password = cmpOr(s.Password, os.Getenv(PostgresPasswordEnv))
	s.URI = cmpOr(s.URI, os.Getenv(DatastoreURIEnv))
	return s.Build(namespace)
}

// destroyDataFlags are destroy's: the database is kept unless asked.
func destroyDataFlags(fs *flag.FlagSet, o *DestroyOptions) {
	fs.BoolVar(&o.DeleteDatabase, "delete-database", false, "also delete the PostgreSQL instance (its volume, and so the data, stays)")
	fs.BoolVar(&o.DeleteData, "delete-data", false, "also delete the PostgreSQL instance AND its volume: the data is gone for good")
}
