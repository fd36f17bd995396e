package deploy

import (
	"context"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// The same deploy against a platform of the 2024 spec (arrays where v1
// takes objects, "on-failure", no instance tags, the wait as PUT): a first
// deploy, a rollout that replaces it, status naming the serving release
// (its run ID read from the instances' env, for want of tags), and
// destroy leaving nothing.
func TestDeployOnTheLegacyAPI(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t, simtest.Dialect(spec.Legacy))
	root := simtest.Rootfs(t, bin, 0o755)
	const name = "legacy"
	var log simtest.SyncBuffer
	o := simOptions(t, s, root, name, &log)
	o.Memory = "256"
	first, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("first deploy: %v\n%s", err, log.String())
	}
	second, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("rollout: %v\n%s", err, log.String())
	}
	if len(second.Replaced) != 1 || second.Replaced[0] != first.Instance || second.RestartPolicy != "on-failure" {
		t.Errorf("rollout: replaced %v (want %s), restart %s", second.Replaced, first.Instance, second.RestartPolicy)
	}
	groupIs(t, s, name, []string{second.Instance})
	rep, err := Status(context.Background(), o.Client, Where{Name: name, Registry: s.Endpoints().Registry})
	if err != nil || !rep.Serving || rep.Release != second.Release || second.Release == "" {
		t.Errorf("status: %+v %v, want release %s", rep, err, second.Release)
	}
	if _, err := Destroy(context.Background(), o.Client, DestroyOptions{Name: name, Image: true, Registry: s.Endpoints().Registry}); err != nil {
		t.Fatal(err)
	}
	nothingLeft(t, o.Client, name)
}
