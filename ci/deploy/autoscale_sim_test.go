package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage/pgtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// Autoscale on PostgreSQL: the deploy configures the group (MIN:MAX, the
// CPU step policy, the new instance as the template) and reads it back;
// status shows it; a redeploy points it at the new instance and starts
// MIN instances. With the memory datastore it is refused before any
// request.
func TestAutoscale(t *testing.T) {
	c, sent := refuseAll(t)
	standinRoot := simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755)
	for _, tc := range []struct {
		scale Autoscale
		says  string
	}{
		{Autoscale{Min: 1, Max: 3}, "each instance would hold its own data"},
		{Autoscale{Min: 3, Max: 2}, "want 1 <= MIN <= MAX"},
		{Autoscale{Min: 1, Max: 1, CPULow: 80, CPUHigh: 50}, "want 1 <= LOW < HIGH <= 100"},
	} {
		scale := tc.scale
		_, err := Run(context.Background(), Options{Client: c, Rootfs: standinRoot, Name: "x", PresharedKeys: []string{testKey}, Autoscale: &scale})
		var de *Error
		if !errors.As(err, &de) || de.Stage != StageValidate || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("autoscale %+v: %v, want %q", tc.scale, err, tc.says)
		}
	}
	if sent.Load() != 0 {
		t.Fatalf("%d requests sent", sent.Load())
	}

	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	image := pgtest.Image(t, s, "15")
	root := simtest.Rootfs(t, bin, 0o755)
	const name = "elastic"
	deploy := func(scale *Autoscale, log *simtest.SyncBuffer) (Deployment, error) {
		o := simOptions(t, s, root, name, log)
		o.Memory, o.Autoscale = "256", scale
		o.Datastore, o.Timeouts.Datastore = &datastore.Postgres{Image: image, VolumeMB: 256, MemoryMB: 384}, datastore.Timeouts{Connect: 5 * time.Second}
		return Run(context.Background(), o)
	}
	var log1 simtest.SyncBuffer
	first, err := deploy(&Autoscale{Min: 1, Max: 3}, &log1)
	if err != nil {
		t.Fatalf("first deploy: %v\n%s", err, log1.String())
	}
	want := AutoscaleRecord{Min: 1, Max: 3, Policy: "cpu <30% -1, >70% +1", Template: first.Instance}
	if first.Autoscale == nil || *first.Autoscale != want || first.Pool == nil || first.Pool.Instances != 6 {
		t.Errorf("record: autoscale %+v (want %+v), pool %+v", first.Autoscale, want, first.Pool)
	}
	cl := simClient(t, s, &log1)
	g, err := cl.GetServiceGroup(context.Background(), api.ByName(name))
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := cl.GetAutoscale(context.Background(), g.UUID)
	if err != nil || !ok || got.Template == nil || got.Template.UUID != first.UUID {
		t.Errorf("the platform's configuration: %+v %v %v, want the template %s", got, ok, err, first.UUID)
	}
	rep, err := Status(context.Background(), cl, Where{Name: name, Registry: s.Endpoints().Registry})
	if err != nil || rep.Autoscale == nil || rep.Autoscale.Max != 3 || rep.Autoscale.Template != first.UUID {
		t.Errorf("status: %+v %v", rep.Autoscale, err)
	}

	var log2 simtest.SyncBuffer
	second, err := deploy(&Autoscale{Min: 2, Max: 4, CPULow: 20, CPUHigh: 60}, &log2)
	if err != nil {
		t.Fatalf("redeploy: %v\n%s", err, log2.String())
	}
	if len(second.Instances) != 2 || second.Autoscale == nil || second.Autoscale.Template != second.Instance ||
		second.Autoscale.Policy != "cpu <20% -1, >60% +1" || second.Autoscale.Min != 2 {
		t.Errorf("redeploy: instances %v, autoscale %+v", second.Instances, second.Autoscale)
	}
}
