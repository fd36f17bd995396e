package deploy

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage/pgtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// Three replicas on PostgreSQL with real OpenFGA: the first deploy
// creates three verified instances sharing the database, the pool sized
// for them; a rollout under continuous load replaces all three with no
// failed request; a rollout that fails leaves the three serving; two
// replicas next is a deploy like any other.
func TestReplicasOnPostgres(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	image := pgtest.Image(t, s, "15")
	root := simtest.Rootfs(t, bin, 0o755)
	const name = "trio"
	url := "https://" + name + "." + s.Endpoints().Domain
	front := simtest.FrontClient(t, s)
	deploy := func(replicas int, env []string, log *simtest.SyncBuffer) (Deployment, error) {
		o := simOptions(t, s, root, name, log)
		o.Memory, o.Replicas, o.Env = "256", replicas, env
		o.Datastore, o.Timeouts.Datastore = &datastore.Postgres{Image: image, VolumeMB: 256, MemoryMB: 384}, datastore.Timeouts{Connect: 5 * time.Second}
		o.Timeouts.Verify = 90 * time.Second
		return Run(context.Background(), o)
	}
	names := func(d Deployment) []string {
		var n []string
		for _, i := range d.Instances {
			n = append(n, i.Name)
		}
		slices.Sort(n)
		return n
	}

	var log1 simtest.SyncBuffer
	first, err := deploy(3, nil, &log1)
	if err != nil {
		t.Fatalf("first deploy: %v\n%s", err, log1.String())
	}
	if len(first.Instances) != 3 || first.Pool == nil || first.Pool.Instances != 6 || first.Pool.MaxOpenConns != 15 || first.RestartPolicy != "on-failure" {
		t.Fatalf("record: instances %v pool %+v restart %s", first.Instances, first.Pool, first.RestartPolicy)
	}
	groupIs(t, s, name, names(first))

	var log2 simtest.SyncBuffer
	pr := simtest.Probe(front, url)
	second, err := deploy(3, []string{"OPENFGA_LOG_LEVEL=warn"}, &log2)
	time.Sleep(300 * time.Millisecond)
	pr.Halt()
	if err != nil {
		t.Fatalf("rollout: %v\n%s", err, log2.String())
	}
	t.Logf("rollout of three: %d requests answered, %d failed (timings %+v)", pr.OK(), pr.Failed(), second.Timings)
	if pr.Failed() > 0 || pr.OK() < 10 {
		t.Errorf("during the rollout: %d answered, %d failed (first: %s)", pr.OK(), pr.Failed(), pr.FirstFailure())
	}
	if slices.Sort(second.Replaced); !slices.Equal(second.Replaced, names(first)) {
		t.Errorf("replaced %v, want %v", second.Replaced, names(first))
	}
	groupIs(t, s, name, names(second))

	var log3 simtest.SyncBuffer
	pr = simtest.Probe(front, url)
	_, err = deploy(3, []string{"OPENFGA_DATASTORE_URI=postgres://openfga:x@nowhere.internal:5432/openfga"}, &log3)
	pr.Halt()
	if err == nil {
		t.Fatal("a rollout whose OpenFGA cannot reach its database was verified")
	}
	if pr.Failed() > 0 {
		t.Errorf("the three serving stopped answering during the failed rollout: %d of %d failed", pr.Failed(), pr.OK()+pr.Failed())
	}
	groupIs(t, s, name, names(second))
	vc := &verify.Client{BaseURL: url, HTTP: front, Key: testKey}
	if err := vc.RoundTrip(context.Background()); err != nil {
		t.Errorf("the three after the failed rollout: %v", err)
	}

	var log4 simtest.SyncBuffer
	fourth, err := deploy(2, nil, &log4)
	if err != nil || len(fourth.Instances) != 2 || len(fourth.Replaced) != 3 || fourth.Pool.MaxOpenConns != 23 {
		t.Fatalf("down to two: %+v %v\n%s", fourth, err, log4.String())
	}
	groupIs(t, s, name, names(fourth))
	if !strings.Contains(log1.String(), "trio-") {
		t.Errorf("progress does not name the instances:\n%s", log1.String())
	}
}

// groupIs checks that the group holds exactly want.
func groupIs(t *testing.T, s *sim.Sim, group string, want []string) {
	t.Helper()
	g, err := simClient(t, s, &simtest.SyncBuffer{}).GetServiceGroup(context.Background(), api.ByName(group))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range g.Instances {
		got = append(got, r.Name)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("group %s holds %v, want %v", group, got, want)
	}
}
