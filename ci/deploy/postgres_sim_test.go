package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage/pgtest"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// TestDeployWithPostgres: Run with the database on the platform, against
// the simulator and real OpenFGA: the first deploy makes the volume, the
// database and the schema and writes the persistence marker; the second
// rolls out on the same database and finds the marker; a third with a
// wrong password fails at the datastore and leaves the second serving;
// destroy keeps the database and says so.
func TestDeployWithPostgres(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	image := pgtest.Image(t, s, "15")
	root := simtest.Rootfs(t, bin, 0o755)
	const name = "pgfga"
	deploy := func(ds *datastore.Postgres, log *simtest.SyncBuffer) (Deployment, error) {
		o := simOptions(t, s, root, name, log)
		o.Memory, o.Force = "256", true // each deploy here rolls out
		o.Datastore, o.Timeouts.Datastore = ds, datastore.Timeouts{Connect: 5 * time.Second}
		return Run(context.Background(), o)
	}

	var log1 simtest.SyncBuffer
	first, err := deploy(&datastore.Postgres{Image: image, VolumeMB: 256, MemoryMB: 384}, &log1)
	if err != nil {
		t.Fatalf("first deploy: %v\n%s", err, log1.String())
	}
	if first.Datastore != "postgres" || !first.Persistent || !strings.HasPrefix(first.Persistence, "first deployment") || first.Timings.Datastore == 0 {
		t.Errorf("record: datastore %s persistent %v persistence %q timings %+v", first.Datastore, first.Persistent, first.Persistence, first.Timings)
	}
	c := simClient(t, s, &log1)
	db, err := c.GetInstance(context.Background(), api.ByName(datastore.InstanceName(name)))
	if err != nil {
		t.Fatal(err)
	}
	password := db.Env["POSTGRES_PASSWORD"]

	var log2 simtest.SyncBuffer
	second, err := deploy(&datastore.Postgres{Image: image}, &log2)
	if err != nil {
		t.Fatalf("second deploy: %v\n%s", err, log2.String())
	}
	if len(second.Replaced) != 1 || second.Persistence != "the tuple written before this deployment is still allowed" {
		t.Errorf("rollout: replaced %v, persistence %q\n%s", second.Replaced, second.Persistence, log2.String())
	}
	if !strings.Contains(log2.String(), "reuse the running database") {
		t.Errorf("the database was not reused:\n%s", log2.String())
	}

	var log3 simtest.SyncBuffer
	_, err = deploy(&datastore.Postgres{Image: image, Password: "not-the-password-42"}, &log3)
	var de *Error
	if !errors.As(err, &de) || de.Stage != "datastore" {
		t.Fatalf("wrong password: %v\n%s", err, log3.String())
	}
	g, _ := c.GetServiceGroup(context.Background(), api.ByName(name))
	if len(g.Instances) != 1 || g.Instances[0].Name != second.Instance {
		t.Errorf("after the failed deploy the group holds %+v, want only %s", g.Instances, second.Instance)
	}
	vc := &verify.Client{BaseURL: second.URL, HTTP: simtest.FrontClient(t, s), Key: testKey}
	if _, err := vc.CheckMarker(context.Background()); err != nil {
		t.Errorf("the second deployment after the failed one: %v", err)
	}

	st, err := Status(context.Background(), c, Where{Name: name, Registry: s.Endpoints().Registry})
	if err != nil || st.Database == nil || st.Database.State != api.StateRunning || st.Database.Volume != datastore.VolumeName(name) {
		t.Errorf("status: %+v %v", st.Database, err)
	}

	var log4 simtest.SyncBuffer
	out, err := Destroy(context.Background(), c, DestroyOptions{Name: name, Log: &log4})
	if err != nil || out.Datastore == nil || len(out.Datastore.Kept) != 2 || !strings.Contains(log4.String(), "kept database instance") {
		t.Errorf("destroy: %+v %v\n%s", out, err, log4.String())
	}
	t.Logf("first deploy: datastore %d ms, total %d ms; rollout: datastore %d ms, total %d ms",
		first.Timings.Datastore, first.Timings.Total, second.Timings.Datastore, second.Timings.Total)
	simtest.NoSecrets(t, map[string]string{"log 1": log1.String(), "log 2": log2.String(), "log 3": log3.String(), "error": err2s(err)},
		password, "not-the-password-42", testKey)
}

func err2s(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
