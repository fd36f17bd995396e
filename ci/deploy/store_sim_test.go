package deploy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/fgastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage/pgtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// docsStore is a store file with a modular model, tuples inline and from
// YAML, JSON and CSV, conditions and every kind of assertion.
const docsStore = "../fgastore/testdata/docs/store.fga.yaml"

// docsTuples is how many global tuples docsStore has.
func docsTuples(t *testing.T) int {
	t.Helper()
	f, err := fgastore.Load(docsStore)
	if err != nil {
		t.Fatal(err)
	}
	return len(f.Tuples)
}

// brokenDocs is a copy of docsStore whose model gives anne no ownership
// (owner: [group#member] only) and whose first test still says she owns
// the roadmap: its gate fails.
func brokenDocs(t *testing.T) string {
	t.Helper()
	return filepath.Join(brokenDocsDir(t, true), "store.fga.yaml")
}

// brokenDocsDir copies docsStore's directory, with the broken model if
// broken, and returns it.
func brokenDocsDir(t testing.TB, broken bool) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Dir(docsStore)
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if broken && rel == filepath.Join("model", "docs.fga") {
			b = []byte(strings.Replace(string(b), "define editor: [user, group#member] or owner", "define editor: [user, group#member]", 1))
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// The store file on PostgreSQL: the first deploy gates on its tests and
// bootstraps the store, its model and tuples; a deploy whose tests fail is
// refused before anything is pushed and leaves the deployment and its
// store as they were; a redeploy of the same file keeps both IDs, writes
// no tuple again and keeps the application's own; status names the store.
func TestStoreOnPostgres(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	image := pgtest.Image(t, s, "15")
	root := simtest.Rootfs(t, bin, 0o755)
	const name = "docs"
	force := false
	deploy := func(store string, log *simtest.SyncBuffer) (Deployment, error) {
		o := simOptions(t, s, root, name, log)
		o.Memory, o.Store, o.Force = "256", store, force
		o.Datastore, o.Timeouts.Datastore = &datastore.Postgres{Image: image, VolumeMB: 256, MemoryMB: 384}, datastore.Timeouts{Connect: 5 * time.Second}
		return Run(context.Background(), o)
	}
	want := docsTuples(t)

	var log1 simtest.SyncBuffer
	first, err := deploy(docsStore, &log1)
	if err != nil {
		t.Fatalf("first deploy: %v\n%s", err, log1.String())
	}
	if first.Result == nil || first.StoreID == "" || first.StoreName != "docs" || first.AuthorizationModelID == "" ||
		!first.StoreCreated || !first.ModelWritten || first.TuplesWritten != want || first.TuplesPresent != 0 {
		t.Fatalf("record: %+v", first.Result)
	}
	if !strings.Contains(first.Gate, "2/2 tests passing") || first.Timings.Gate == 0 || first.Timings.Store == 0 {
		t.Errorf("gate %q, timings %+v", first.Gate, first.Timings)
	}
	vc := &verify.Client{BaseURL: first.URL, HTTP: simtest.FrontClient(t, s), Key: testKey}
	st := verify.Store{ID: first.StoreID, ModelID: first.AuthorizationModelID}
	app := verify.TupleKey{User: "user:written-by-the-app", Relation: "viewer", Object: "document:roadmap"}
	if err := vc.Write(context.Background(), st, app); err != nil {
		t.Fatal(err)
	}

	var log2 simtest.SyncBuffer
	_, err = deploy(brokenDocs(t), &log2)
	var de *Error
	var ge *GateError
	if !errors.As(err, &de) || de.Stage != StageGate || !errors.As(err, &ge) {
		t.Fatalf("failing tests: %v\n%s", err, log2.String())
	}
	t.Logf("refused: %v", err)
	if !strings.Contains(err.Error(), "check user:anne editor document:roadmap: got false, want true") {
		t.Errorf("the failing assertion is not named:\n%v", err)
	}
	if strings.Contains(log2.String(), "push:") || strings.Contains(log2.String(), "create instance") {
		t.Errorf("a refused deploy pushed or created:\n%s", log2.String())
	}
	groupIs(t, s, name, []string{first.Instance})

	var log3 simtest.SyncBuffer
	force = true // a rollout, not a no-op: the IDs outlive the instances
	again, err := deploy(docsStore, &log3)
	if err != nil {
		t.Fatalf("redeploy: %v\n%s", err, log3.String())
	}
	if again.StoreID != first.StoreID || again.AuthorizationModelID != first.AuthorizationModelID || again.StoreCreated ||
		again.ModelWritten || again.TuplesWritten != 0 || again.TuplesPresent != want {
		t.Errorf("redeploy: %+v, want store %s and model %s kept", again.Result, first.StoreID, first.AuthorizationModelID)
	}
	vc.BaseURL = again.URL
	if ok, err := vc.Check(context.Background(), st, app); err != nil || !ok {
		t.Errorf("the application's tuple after the redeploy: %v %v", ok, err)
	}

	rep, err := Status(context.Background(), simClient(t, s, &log3), Where{Name: name, Registry: s.Endpoints().Registry})
	if err != nil || rep.StoreID != first.StoreID || rep.AuthorizationModelID != first.AuthorizationModelID || rep.Release != again.Release {
		t.Errorf("status: %+v %v", rep, err)
	}
	list, err := Releases(context.Background(), simClient(t, s, &log3), Where{Name: name, Registry: s.Endpoints().Registry})
	if err != nil || len(list) != 2 || list[0].StoreID != first.StoreID || list[0].AuthorizationModelID != first.AuthorizationModelID {
		t.Errorf("releases: %+v %v", list, err)
	}
	simtest.NoSecrets(t, map[string]string{"log 1": log1.String(), "log 2": log2.String(), "log 3": log3.String()}, testKey)
}

// With the memory datastore each new instance starts empty: the store is
// bootstrapped on the new instance once the earlier one is gone, so a
// redeploy makes a new store (another ID) that the FQDN serves.
func TestStoreOnMemory(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	root := simtest.Rootfs(t, bin, 0o755)
	const name = "memdocs"
	var log simtest.SyncBuffer
	o := simOptions(t, s, root, name, &log)
	o.Memory, o.Store = "256", docsStore
	first, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("first deploy: %v\n%s", err, log.String())
	}
	o.Force = true // a new instance, with nothing in it
	second, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("second deploy: %v\n%s", err, log.String())
	}
	if second.StoreID == first.StoreID || !second.StoreCreated || second.TuplesWritten != docsTuples(t) {
		t.Errorf("second deploy on memory: %+v (first store %s)", second.Result, first.StoreID)
	}
	vc := &verify.Client{BaseURL: second.URL, HTTP: simtest.FrontClient(t, s), Key: testKey}
	found, err := vc.FindStore(context.Background(), "docs")
	if err != nil || found.ID != second.StoreID || found.ModelID != second.AuthorizationModelID {
		t.Errorf("the FQDN serves store %+v (%v), want %s", found, err, second.StoreID)
	}
	g, err := simClient(t, s, &log).GetServiceGroup(context.Background(), api.ByName(name))
	if err != nil || len(g.Instances) != 1 {
		t.Errorf("group: %+v %v", g.Instances, err)
	}
}

// Store files that cannot gate a deploy are refused before any request.
func TestStoreFileRefusedBeforeAnything(t *testing.T) {
	c, sent := refuseAll(t)
	dir := t.TempDir()
	noTests := filepath.Join(dir, "no-tests.fga.yaml")
	if err := os.WriteFile(noTests, []byte("name: x\nmodel: |\n  model\n    schema 1.1\n  type user\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	noName := filepath.Join(dir, "no-name.fga.yaml")
	if err := os.WriteFile(noName, []byte("model: |\n  model\n    schema 1.1\n  type user\ntests:\n  - name: t\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755)
	for file, says := range map[string]string{
		noTests: "no-tests.fga.yaml: tests: the store file has no tests",
		noName:  "no-name.fga.yaml: name: the store file has no name",
		"../fgastore/testdata/bad/bad-dsl.fga.yaml":          "bad-dsl.fga.yaml:",
		"../fgastore/testdata/bad/unknown-relation.fga.yaml": "unknown-relation.fga.yaml:",
		"../fgastore/testdata/bad/missing-file.fga.yaml":     "missing-file.fga.yaml:",
		filepath.Join(dir, "nowhere.fga.yaml"):               "nowhere.fga.yaml",
	} {
		_, err := Run(context.Background(), Options{Client: c, Rootfs: root, Name: "x", PresharedKeys: []string{testKey}, Store: file})
		var de *Error
		if !errors.As(err, &de) || de.Stage != StageValidate || !strings.Contains(err.Error(), says) {
			t.Errorf("%s: %v, want it refused at validate saying %q", file, err, says)
		}
	}
	_, err := Run(context.Background(), Options{Client: c, Rootfs: root, Name: "x", PresharedKeys: []string{testKey}, StoreID: "01ARZ3NDEKTSV4RRFFQ69G5FAV"})
	if err == nil || !strings.Contains(err.Error(), "store-id without a store file") {
		t.Errorf("store-id alone: %v", err)
	}
	if sent.Load() != 0 {
		t.Fatalf("%d requests sent", sent.Load())
	}
}
