package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
)

// fakeStore is a datastore that records its calls; its URI (with a
// password) is known only after Prepare, as a database's would be.
type fakeStore struct {
	fail     error
	uri      string
	prepared []datastore.Platform
	undone   []datastore.Platform
}

const fakePassword = "fake-db-password-42"

func (f *fakeStore) Engine() string   { return "postgres" }
func (f *fakeStore) Persistent() bool { return true }
func (f *fakeStore) Env() map[string]string {
	env := map[string]string{"OPENFGA_DATASTORE_ENGINE": "postgres"}
	if f.uri != "" {
		env["OPENFGA_DATASTORE_URI"] = f.uri
	}
	return env
}
func (f *fakeStore) Secrets() []string { return []string{fakePassword} }
func (f *fakeStore) Prepare(_ context.Context, s datastore.Platform) error {
	f.prepared = append(f.prepared, s)
	s.Logf("fake: database ready, password %s", fakePassword)
	if f.fail != nil {
		return f.fail
	}
	f.uri = "postgres://openfga:" + fakePassword + "@x-pg.internal:5432/openfga"
	return nil
}
func (f *fakeStore) Undo(_ context.Context, s datastore.Platform) []string {
	f.undone = append(f.undone, s)
	return nil
}

// The env is rebuilt after Prepare, with the URI, and the password it
// carries is scrubbed from output.
func TestPreparedDatastoreEnv(t *testing.T) {
	client, _ := refuseAll(t)
	ds := &fakeStore{}
	p, err := validate(Options{Client: client, Rootfs: simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755), Name: "x",
		PresharedKeys: []string{testKey}, Datastore: ds, ScaleToZero: "on"})
	if err != nil {
		t.Fatal(err)
	}
	if p.s2z.Policy != "on" || !p.persistent() {
		t.Errorf("a persistent datastore keeps scale-to-zero: %+v", p.s2z)
	}
	_ = ds.Prepare(context.Background(), datastore.Platform{Logf: func(string, ...any) {}})
	if p.env, err = p.buildEnv(); err != nil {
		t.Fatal(err)
	}
	if p.env["OPENFGA_DATASTORE_URI"] != ds.uri || p.env["OPENFGA_DATASTORE_ENGINE"] != "postgres" {
		t.Errorf("env after Prepare: %v", p.env)
	}
	if got := p.red.String("uri " + ds.uri); strings.Contains(got, fakePassword) {
		t.Errorf("password not scrubbed: %s", got)
	}
}

// A datastore that fails to prepare stops the deploy before the OpenFGA
// instance or its service group exist; the image goes, the password
// never shows.
func TestDatastoreFailureCleansUp(t *testing.T) {
	s := simtest.Start(t)
	var log simtest.SyncBuffer
	ds := &fakeStore{fail: errors.New("database did not start")}
	o := simOptions(t, s, simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755), "withdb", &log)
	o.Datastore = ds
	_, err := Run(context.Background(), o)
	var de *Error
	if !errors.As(err, &de) || de.Stage != "datastore" || de.Diagnosis != nil {
		t.Fatalf("Run = %v\n%s", err, log.String())
	}
	if len(ds.prepared) != 1 || len(ds.undone) != 1 {
		t.Fatalf("prepared %d, undone %d times", len(ds.prepared), len(ds.undone))
	}
	st := ds.prepared[0]
	if !strings.HasPrefix(st.Image, "sim/withdb@sha256:") || st.Binary != "/usr/bin/openfga" || st.MemoryMB != 512 || st.Name != "withdb" {
		t.Errorf("stage = %+v", st)
	}
	nothingLeft(t, o.Client, "withdb")
	if !strings.Contains(log.String(), "cleanup: remove image") {
		t.Errorf("image not removed:\n%s", log.String())
	}
	simtest.NoSecrets(t, map[string]string{"log": log.String(), "error": err.Error()}, fakePassword, testKey, s.Endpoints().Token)
}
