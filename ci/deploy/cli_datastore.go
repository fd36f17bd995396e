package deploy

import (
	"cmp"
	"flag"
	"os"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
)

// Environment variables for the datastore's secrets: a password or a URI
// on the command line would end up in shell history and ps.
const (
	PostgresPasswordEnv = "OPENFGA_POSTGRES_PASSWORD"
	DatastoreURIEnv     = "OPENFGA_DATASTORE_URI"
)

// datastoreFlags are deploy's datastore options; secrets come from the
// environment unless given.
type datastoreFlags struct{ spec datastore.Spec }

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

func (d *datastoreFlags) build(namespace string) (datastore.Datastore, error) {
	s := d.spec
	s.Password = cmp.Or(s.Password, os.Getenv(PostgresPasswordEnv))
	s.URI = cmp.Or(s.URI, os.Getenv(DatastoreURIEnv))
	return s.Build(namespace)
}

// destroyDataFlags are destroy's: the database is kept unless asked.
func destroyDataFlags(fs *flag.FlagSet, o *DestroyOptions) {
	fs.BoolVar(&o.DeleteDatabase, "delete-database", false, "also delete the PostgreSQL instance (its volume, and so the data, stays)")
	fs.BoolVar(&o.DeleteData, "delete-data", false, "also delete the PostgreSQL instance AND its volume: the data is gone for good")
}
