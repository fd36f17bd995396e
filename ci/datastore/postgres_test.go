package datastore

import (
	"context"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"slices"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage"
)

// TestOnPlatformEndToEnd: the volume, the database instance from the
// Debian PostgreSQL image, the one-shot migration, OpenFGA reaching the
// database at <name>-pg.internal, data surviving a redeploy and even a
// new database instance on the same volume; and the order of the calls.
func TestOnPlatformEndToEnd(t *testing.T) {
	image := pgImage(t)
	c, rec := client(t)
	ctx := context.Background()
	var log simtest.SyncBuffer
	defer func() { t.Log("progress:\n" + log.String()) }()
	ds := &Postgres{Image: image, VolumeMB: 256, MemoryMB: 384}
	if err := ds.Prepare(ctx, platform(c, "plat", &log)); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	checkDatabase(t, c, "plat")
	checkOrder(t, rec.list())
	if got := uriHost(ds.Env()["OPENFGA_DATASTORE_URI"]); got != "plat-pg.internal" {
		t.Errorf("OpenFGA is given the host %s, want plat-pg.internal", got)
	}
	pw := ds.password
	first, _ := runOpenFGA(t, c, "plat-aaaaaa", ds.Env())
	if _, err := first.WriteMarker(ctx); err != nil {
		t.Fatal(err)
	}

	// redeploy: the running database and its password are reused
	ds = &Postgres{Image: image, VolumeMB: 256, MemoryMB: 384}
	if err := ds.Prepare(ctx, platform(c, "plat", &log)); err != nil {
		t.Fatalf("redeploy: %v\n%s", err, log.String())
	}
	if ds.password != pw || len(ds.made) != 0 {
		t.Errorf("the redeploy did not reuse the database (made %v)", ds.made)
	}
	second, _ := runOpenFGA(t, c, "plat-bbbbbb", ds.Env())
	if _, err := second.CheckMarker(ctx); err != nil {
		t.Fatalf("after the redeploy: %v", err)
	}

	// a new database instance on the kept volume (a new password, too)
	out, err := Destroy(ctx, c, DestroyOptions{Name: "plat", DeleteDatabase: true})
	if err != nil || out.Database != "plat-pg" || len(out.Kept) != 1 {
		t.Fatalf("destroy the database: %+v %v", out, err)
	}
	ds = &Postgres{Image: image, VolumeMB: 256, MemoryMB: 384}
	if err := ds.Prepare(ctx, platform(c, "plat", &log)); err != nil {
		t.Fatalf("new database on the old volume: %v\n%s", err, log.String())
	}
	third, _ := runOpenFGA(t, c, "plat-cccccc", ds.Env())
	if _, err := third.CheckMarker(ctx); err != nil {
		t.Fatalf("after replacing the database instance: %v", err)
	}
	for _, p := range []string{pw, ds.password} {
		noSecret(t, p, log.String())
	}

	out, err = Destroy(ctx, c, DestroyOptions{Name: "plat", DeleteVolume: true})
	if err != nil || out.Volume != "plat-pgdata" {
		t.Fatalf("destroy everything: %+v %v", out, err)
	}
}

// checkDatabase looks at what Prepare made, through the API.
func checkDatabase(t *testing.T, c interface {
	GetInstance(context.Context, api.Ref) (api.Instance, error)
	GetVolume(context.Context, api.Ref) (api.Volume, error)
}, name string) {
	t.Helper()
	ctx := context.Background()
	inst, err := c.GetInstance(ctx, api.ByName(InstanceName(name)))
	if err != nil {
		t.Fatal(err)
	}
	// Private: no service group, and so nothing that could scale it to
	// zero (the v1 spec allows scale_to_zero only with a service group).
	if inst.State != api.StateRunning || inst.ServiceGroup != nil || (inst.ScaleToZero != nil && inst.ScaleToZero.Enabled) {
		t.Errorf("database instance: state %s, group %v, scale-to-zero %+v", inst.State, inst.ServiceGroup, inst.ScaleToZero)
	}
	if !mounts(inst, VolumeName(name)) || inst.Env[envPassword] == "" || inst.Env[envData] != pgimage.DataDir {
		t.Errorf("database instance: volumes %+v, env keys %v", inst.Volumes, len(inst.Env))
	}
	if _, err := c.GetVolume(ctx, api.ByName(VolumeName(name))); err != nil {
		t.Error(err)
	}
}

// checkOrder: volume, then the database, waited for until it logs that it
// is ready, then the migrate instance, waited for until it stops, deleted.
func checkOrder(t *testing.T, calls []string) {
	t.Helper()
	want := []string{"POST /v1/volumes", "GET /v1/volumes", "POST /v1/instances", "GET /v1/instances/log",
		"POST /v1/instances", "GET /v1/instances/wait", "DELETE /v1/instances/"}
	i := 0
	for _, c := range calls {
		if i < len(want) && strings.HasPrefix(c, want[i]) {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("calls out of order: matched %d of %v in\n%s", i, want, strings.Join(calls, "\n"))
	}
	// the migration starts only once the database is ready: no migrate
	// instance exists before the last readiness read
	lastLog := -1
	for j, c := range calls {
		if c == "GET /v1/instances/log" && !slices.Contains(calls[:j], "GET /v1/instances/wait") {
			lastLog = j
		}
	}
	creates := 0
	for _, c := range calls[:lastLog+1] {
		if c == "POST /v1/instances" {
			creates++
		}
	}
	if creates != 1 {
		t.Errorf("%d instances created before the database was seen ready, want only the database", creates)
	}
}
