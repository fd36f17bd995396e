package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
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
