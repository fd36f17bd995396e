package deploy

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage/pgtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// Every verified deploy is a release; releases lists them newest first
// with the serving one marked; a rollback deploys the earlier image again
// through the same checks, and becomes a release of its own.
func TestReleasesAndRollback(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	root := simtest.Rootfs(t, bin, 0o755)
	const name = "hist"
	deploy := func(o Options) Deployment {
		t.Helper()
		var log simtest.SyncBuffer
		o.Log = &log
		d, err := Run(context.Background(), o)
		if err != nil {
			t.Fatalf("deploy: %v\n%s", err, log.String())
		}
		if d.Release == "" {
			t.Fatalf("no release recorded:\n%s", log.String())
		}
		return d
	}
	base := func() Options { return simOptions(t, s, root, name, nil) }
	first := deploy(base())
	o := base()
	o.Kraftfile = "../../Kraftfile" // another image: cmd and labels from the Kraftfile
	second := deploy(o)
	if first.Digest == second.Digest {
		t.Fatal("the two deploys pushed the same image: the test needs two")
	}
	w := Where{Name: name, Registry: s.Endpoints().Registry}
	list, err := Releases(context.Background(), o.Client, w)
	if err != nil || len(list) != 2 || list[0].ID != second.Release || !list[0].Serving || list[1].Serving || list[1].Digest != first.Digest {
		t.Fatalf("releases: %+v %v", list, err)
	}
	if list[0].OpenFGAVersion != "v1.11.0" || !list[0].Verified || list[0].Datastore != "memory" || list[0].Replicas != 1 {
		t.Errorf("release record: %+v", list[0])
	}

	target, err := RollbackTarget(context.Background(), o.Client, w, "", 1)
	if err != nil || target.ID != first.Release {
		t.Fatalf("rollback target: %+v %v", target, err)
	}
	o = base()
	o.Rootfs, o.Image, o.OpenFGAVersion, o.Commit = "", target.Image, target.OpenFGAVersion, target.Commit
	back := deploy(o)
	if back.Digest != first.Digest || len(back.Replaced) != 1 || back.Replaced[0] != second.Instance {
		t.Errorf("rollback: digest %s (want %s), replaced %v", back.Digest, first.Digest, back.Replaced)
	}
	list, _ = Releases(context.Background(), o.Client, w)
	if len(list) != 3 || !list[0].Serving || list[0].Digest != first.Digest {
		t.Errorf("after the rollback: %+v", list)
	}
	if _, err := RollbackTarget(context.Background(), o.Client, w, "sha256:"+strings.Repeat("0", 64), 0); err == nil {
		t.Error("a rollback to a digest no release ran was accepted")
	}
	if _, err := RollbackTarget(context.Background(), o.Client, w, "", 5); err == nil {
		t.Error("a rollback further back than the history was accepted")
	}
}

// An upgrade that migrates the schema, undone: OpenFGA v1.9.5 on
// PostgreSQL holds a tuple; the deploy of the pinned release (whose
// migration changes the schema) takes a safety copy first and the record
// names it; a tuple written after it is not in the copy; restore --from
// the copy stops OpenFGA, brings the data back and deploys v1.9.5 again,
// verified: the first tuple is there, the later one is not, and the data
// the database had is kept as another copy.
func TestRestoreAfterAnUpgrade(t *testing.T) {
	old := os.Getenv("OPENFGA_OLD_BIN")
	if old == "" {
		t.Skip("OPENFGA_OLD_BIN is not set: an OpenFGA before the pinned release's last migration (.ci/test.sh builds v1.9.5)")
	}
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	image := pgtest.Image(t, s, "15")
	const name = "upgrade"
	options := func(root string, log *simtest.SyncBuffer) Options {
		o := simOptions(t, s, root, name, log)
		o.Memory = "256"
		o.Datastore, o.Timeouts.Datastore = &datastore.Postgres{Image: image, VolumeMB: 256, MemoryMB: 384}, datastore.Timeouts{Connect: 5 * time.Second}
		return o
	}
	var log1, log2, log3 simtest.SyncBuffer
	before, err := Run(context.Background(), options(simtest.Rootfs(t, old, 0o755), &log1))
	if err != nil || before.OpenFGAVersion != "v1.9.5" {
		t.Fatalf("deploy v1.9.5: %+v %v\n%s", before.OpenFGAVersion, err, log1.String())
	}
	vc := &verify.Client{BaseURL: before.URL, HTTP: simtest.FrontClient(t, s), Key: testKey}
	st, err := vc.CreateStore(context.Background(), "restore")
	if err != nil {
		t.Fatal(err)
	}
	kept := verify.TupleKey{User: "user:before", Relation: "viewer", Object: "document:roadmap"}
	later := verify.TupleKey{User: "user:after", Relation: "viewer", Object: "document:roadmap"}
	if err := vc.Write(context.Background(), st, kept); err != nil {
		t.Fatal(err)
	}

	upgraded, err := Run(context.Background(), options(simtest.Rootfs(t, bin, 0o755), &log2))
	if err != nil {
		t.Fatalf("upgrade: %v\n%s", err, log2.String())
	}
	if upgraded.SafetyCopy == "" || !strings.Contains(log2.String(), "safety copy") {
		t.Fatalf("no safety copy before the migration: %+v\n%s", upgraded, log2.String())
	}
	if err := vc.Write(context.Background(), st, later); err != nil {
		t.Fatal(err)
	}

	restored, err := Restore(context.Background(), options("", &log3), upgraded.SafetyCopy)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, log3.String())
	}
	if restored.Restored != upgraded.SafetyCopy || restored.KeptData == "" || restored.OpenFGAVersion != "v1.9.5" || !restored.Verified {
		t.Errorf("restore record: restored %q kept %q version %s verified %v", restored.Restored, restored.KeptData, restored.OpenFGAVersion, restored.Verified)
	}
	for k, want := range map[verify.TupleKey]bool{kept: true, later: false} {
		if got, err := vc.Check(context.Background(), st, k); err != nil || got != want {
			t.Errorf("after the restore, %s %s %s: allowed=%v (%v), want %v", k.User, k.Relation, k.Object, got, err, want)
		}
	}
}
