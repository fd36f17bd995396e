package cli

import (
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
)

func TestDatastoreFlags(t *testing.T) {
	t.Setenv(DatastoreURIEnv, "")
	t.Setenv(PostgresPasswordEnv, "")
	ds, err := buildDatastore(datastore.Spec{Kind: "postgres"}, "acme")
	if err != nil || ds.Engine() != "postgres" || !ds.Persistent() || !strings.Contains(ds.(*datastore.Postgres).String(), "acme/openfga-pg:15") {
		t.Fatalf("postgres: %v %v", ds, err)
	}
	if _, err := buildDatastore(datastore.Spec{Kind: "external", URI: "mysql://u:s3cr3t-pw@h/db"}, "acme"); err == nil || strings.Contains(err.Error(), "s3cr3t-pw") {
		t.Fatalf("a bad URI: %v", err)
	}
	t.Setenv(DatastoreURIEnv, "postgres://u:s3cr3t-pw@db.example:5432/openfga")
	ds, err = buildDatastore(datastore.Spec{Kind: "external"}, "acme")
	if err != nil || !strings.Contains(strings.Join(ds.Secrets(), " "), "s3cr3t-pw") {
		t.Fatalf("external from the env: %v", err)
	}
	if _, err := buildDatastore(datastore.Spec{Kind: "mongo"}, "acme"); err == nil {
		t.Fatal("an unknown datastore was accepted")
	}
	if ds, _ := buildDatastore(datastore.Spec{}, "acme"); ds.Engine() != "memory" {
		t.Fatal("the default is not memory")
	}
}
