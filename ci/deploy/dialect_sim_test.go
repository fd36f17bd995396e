package deploy

import (
	"context"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
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
	o.Force = true // the same inputs again: a rollout only when forced
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

// A deploy ends verified whatever shape the platform gives "not there
// yet" (the image look-up while the push propagates: an item with code 8,
// a top-level message, a 404) and "timed out" (the wait for running,
// longer than one wait while the instance boots: an item with code 12, a
// top-level message, a 408), in both dialects.
func TestDeployThroughAnswerShapes(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	root := simtest.Rootfs(t, bin, 0o755)
	for _, c := range []struct {
		name    string
		dialect spec.Dialect
		answers sim.Answers
	}{
		{"v1 message and item", spec.V1, sim.Answers{ImageNotFound: sim.AnswerMessage, WaitTimeout: sim.AnswerItem}},
		{"v1 item and message", spec.V1, sim.Answers{ImageNotFound: sim.AnswerItem, WaitTimeout: sim.AnswerMessage}},
		{"v1 404 and 408", spec.V1, sim.Answers{ImageNotFound: sim.AnswerHTTP404, WaitTimeout: sim.AnswerHTTP408}},
		{"legacy 404 and 408", spec.Legacy, sim.Answers{ImageNotFound: sim.AnswerHTTP404, WaitTimeout: sim.AnswerHTTP408}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := simtest.Start(t, simtest.Dialect(c.dialect), simtest.Answers(c.answers), simtest.ImagePropagation(1500*time.Millisecond), simtest.BootDelay(2500*time.Millisecond))
			var log simtest.SyncBuffer
			o := simOptions(t, s, root, "shapes", &log)
			o.Memory = "256"
			rec, err := Run(context.Background(), o)
			if err != nil {
				t.Fatalf("deploy: %v\n%s", err, log.String())
			}
			if rec.Timings.ImageLookup < 1000 || rec.Timings.Running < 2000 {
				t.Errorf("image visible after %d ms, running after %d ms: the look-up never saw it missing or the wait never timed out", rec.Timings.ImageLookup, rec.Timings.Running)
			}
		})
	}
}
