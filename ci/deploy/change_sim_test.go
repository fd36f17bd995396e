package deploy

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// A deploy costs what changed: the same inputs again keep the running
// instance (verified again, nothing pushed or created: "changed": false);
// a changed flag or variable rolls out and says which; --force rolls out
// anyway; a store file whose model or tuples are new is written to the
// running deployment without replacing it ("changed": "store"); instances
// made without a run ID are replaced once.
func TestDeployCostsWhatChanged(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	root := simtest.Rootfs(t, bin, 0o755)
	const name = "steady"
	run := func(change func(o *Options)) (Deployment, string) {
		t.Helper()
		var log simtest.SyncBuffer
		o := simOptions(t, s, root, name, &log)
		o.Memory = "256"
		if change != nil {
			change(&o)
		}
		d, err := Run(context.Background(), o)
		if err != nil {
			t.Fatalf("deploy: %v\n%s", err, log.String())
		}
		return d, log.String()
	}
	first, _ := run(nil)
	if first.Changed != ChangeRollout || !slices.Equal(first.Diff, []string{"a first deploy"}) {
		t.Errorf("first deploy: changed %v, diff %q", first.Changed, first.Diff)
	}

	same, log := run(nil)
	if same.Changed != ChangeNone || same.UUID != first.UUID || len(same.Replaced) != 0 || same.Release != first.Release || !same.Verified {
		t.Errorf("unchanged deploy: changed %v, uuid %s (was %s), replaced %v, release %s (was %s)", same.Changed, same.UUID, first.UUID, same.Replaced, same.Release, first.Release)
	}
	if strings.Contains(log, "push:") || strings.Contains(log, "create instance") || same.Timings.Health == 0 || same.Timings.RoundTrip == 0 {
		t.Errorf("an unchanged deploy pushed, created or did not verify (timings %+v):\n%s", same.Timings, log)
	}
	b, _ := json.Marshal(same)
	if !strings.Contains(string(b), `"changed":false`) {
		t.Errorf("record JSON: %s", b)
	}

	for _, c := range []struct {
		what   string
		change func(o *Options)
		diff   string
	}{
		{"memory", func(o *Options) { o.Memory = "320" }, "memory_mb 256 → 320"},
		{"env", func(o *Options) { o.Memory, o.Env = "320", []string{"OPENFGA_LOG_LEVEL=warn"} }, "env OPENFGA_LOG_LEVEL added"},
		{"restart", func(o *Options) { o.Memory, o.Env, o.Restart = "320", []string{"OPENFGA_LOG_LEVEL=warn"}, "always" }, "restart_policy on-failure → always"},
		{"force", func(o *Options) {
			o.Memory, o.Env, o.Restart, o.Force = "320", []string{"OPENFGA_LOG_LEVEL=warn"}, "always", true
		}, "--force"},
	} {
		before := currentUUID(t, s, name)
		d, _ := run(c.change)
		if d.Changed != ChangeRollout || !slices.Contains(d.Diff, c.diff) || d.UUID == before || len(d.Replaced) != 1 {
			t.Errorf("%s: changed %v, diff %q (want %q), uuid %s (was %s)", c.what, d.Changed, d.Diff, c.diff, d.UUID, before)
		}
	}
	settled := func(o *Options) { o.Memory, o.Env, o.Restart = "320", []string{"OPENFGA_LOG_LEVEL=warn"}, "always" }
	if d, _ := run(settled); d.Changed != ChangeNone {
		t.Errorf("after the changes, the same inputs again: changed %v %q", d.Changed, d.Diff)
	}

	// the store only
	before := currentUUID(t, s, name)
	withStore := func(file string) func(o *Options) {
		return func(o *Options) { settled(o); o.Store = file }
	}
	d, _ := run(withStore(docsStore))
	if d.Changed != ChangeStore || d.UUID != before || d.StoreID == "" || d.TuplesWritten == 0 {
		t.Errorf("a new store on the running deployment: changed %v, uuid %s (was %s), store %+v", d.Changed, d.UUID, before, d.Result)
	}
	again, _ := run(withStore(docsStore))
	if again.Changed != ChangeNone || again.StoreID != d.StoreID || again.TuplesWritten != 0 {
		t.Errorf("the same store again: changed %v, store %+v", again.Changed, again.Result)
	}
	more := moreTuples(t)
	third, _ := run(withStore(more))
	if third.Changed != ChangeStore || third.UUID != before || third.StoreID != d.StoreID || third.TuplesWritten != 1 {
		t.Errorf("one tuple more: changed %v, uuid %s, store %+v", third.Changed, third.UUID, third.Result)
	}
}

// An instance in the group that carries no run ID (made by hand, or by an
// older version of this tool) leaves nothing to compare with: the deploy
// rolls out once, and the next one is a no-op.
func TestDeployReplacesInstancesWithoutARecord(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	root := simtest.Rootfs(t, bin, 0o755)
	const name = "legacyrun"
	var log simtest.SyncBuffer
	o := simOptions(t, s, root, name, &log)
	o.Memory = "256"
	first, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	c := simClient(t, s, &log)
	inst, _ := c.GetInstance(context.Background(), api.ByUUID(first.UUID))
	env := inst.Env
	delete(env, RunEnv)
	hand, err := c.CreateInstance(context.Background(), api.CreateInstanceRequest{Name: name + "-byhand", Image: inst.Image, Args: inst.Args,
		Env: env, MemoryMB: inst.MemoryMB, ServiceGroup: &api.ServiceGroupSpec{Name: name}, Autostart: true, RestartPolicy: api.RestartOnFailure})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteInstance(context.Background(), api.ByUUID(first.UUID)); err != nil {
		t.Fatal(err)
	}
	second, err := Run(context.Background(), o)
	if err != nil || second.Changed != ChangeRollout || len(second.Diff) != 1 || !strings.Contains(second.Diff[0], "no run ID") ||
		!slices.Contains(second.Replaced, hand.Name) {
		t.Fatalf("over an instance made by hand: %+v %v\n%s", second, err, log.String())
	}
	if third, err := Run(context.Background(), o); err != nil || third.Changed != ChangeNone {
		t.Errorf("the next deploy: changed %v %q %v", third.Changed, third.Diff, err)
	}
}

// currentUUID is the UUID of the deployment's only instance.
func currentUUID(t *testing.T, s *sim.Sim, group string) string {
	t.Helper()
	g, err := simClient(t, s, &simtest.SyncBuffer{}).GetServiceGroup(context.Background(), api.ByName(group))
	if err != nil || len(g.Instances) != 1 {
		t.Fatalf("group %s: %+v %v", group, g.Instances, err)
	}
	return g.Instances[0].UUID
}

// moreTuples is a copy of docsStore with one more global tuple.
func moreTuples(t testing.TB) string {
	t.Helper()
	dir := brokenDocsDir(t, false)
	p := filepath.Join(dir, "tuples.csv")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, []byte("user,gail,,viewer,document,roadmap,,\n")...)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "store.fga.yaml")
}
