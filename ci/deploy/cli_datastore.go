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

// datastoreFlags are deploy's datastore options.
type datastoreFlags struct {
	kind     string
	image    string
	volumeMB int64
	memoryMB int64
	password string
	public   bool
	uri      string
}

func (d *datastoreFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.kind, "datastore", "memory", "memory (lost on every restart), postgres (on the platform, with a volume) or external (a PostgreSQL URI)")
	fs.StringVar(&d.image, "postgres-image", "", "PostgreSQL unikernel image (ci/pgimage), e.g. <user>/openfga-pg:15 (default: <your namespace>/openfga-pg:15)")
	fs.Int64Var(&d.volumeMB, "volume-size", datastore.DefaultVolumeMB, "size of a new PostgreSQL volume in MiB (an existing one is reused)")
	fs.Int64Var(&d.memoryMB, "postgres-memory", datastore.DefaultMemoryMB, "PostgreSQL instance memory in MiB")
	fs.StringVar(&d.password, "postgres-password", "", "PostgreSQL password (default $"+PostgresPasswordEnv+", else the running database's, else generated)")
	fs.BoolVar(&d.public, "postgres-public", false, "also publish PostgreSQL on port 5432 (TLS by the platform); off: private network only")
	fs.StringVar(&d.uri, "datastore-uri", "", "external PostgreSQL URI (default $"+DatastoreURIEnv+"; prefer the variable: a URI holds a password)")
}

// build turns the flags into a Datastore; namespace completes the default image.
func (d *datastoreFlags) build(namespace string) (Datastore, error) {
	switch d.kind {
	case "", "memory":
		return Memory{}, nil
	case "postgres":
		pw := cmpOr(d.password, os.Getenv(PostgresPasswordEnv))
		image := cmpOr(d.image, namespace+"/openfga-pg:15")
		return Postgres(&datastore.Postgres{Image: image, VolumeMB: d.volumeMB, MemoryMB: d.memoryMB, Password: pw, Public: d.public}, datastore.Timeouts{}), nil
	case "external":
		uri := cmpOr(d.uri, os.Getenv(DatastoreURIEnv))
		e := &datastore.External{URI: uri}
		if err := e.Check(); err != nil {
			return nil, fmt.Errorf("--datastore external: %w", err)
		}
		return External(e, datastore.Timeouts{}), nil
	}
	return nil, errors.New("--datastore " + d.kind + ": want memory, postgres or external")
}

// destroyDataFlags are destroy's: the database is kept unless asked.
func destroyDataFlags(fs *flag.FlagSet, o *DestroyOptions) {
	fs.BoolVar(&o.DeleteDatabase, "delete-database", false, "also delete the PostgreSQL instance (its volume, and so the data, stays)")
	fs.BoolVar(&o.DeleteData, "delete-data", false, "also delete the PostgreSQL instance AND its volume: the data is gone for good")
}
