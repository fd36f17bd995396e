package sim_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// TestClientAgainstSim: the project's API client drives the simulator
// through a deploy-shaped flow, including a 429 burst it must retry.
func TestClientAgainstSim(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	ep := s.Endpoints()
	c, err := kraftcloud.New(ep.API, ep.Token, kraftcloud.WithCAFile(ep.CA))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	img := appImage(t, s, "web", "/app")
	if _, err := c.FindImage(ctx, api.ImageFilter{Digest: img}); err != nil {
		t.Fatalf("find image: %v", err)
	}
	inst, err := c.CreateInstance(ctx, api.CreateInstanceRequest{Name: "web", Image: img, Autostart: true, TimeoutS: 20,
		ServiceGroup: &api.ServiceGroupSpec{Services: webService}})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if inst.State != api.StateRunning {
		t.Errorf("blocking create answered %s", inst.State)
	}
	// A wait is idempotent: the client retries through a 429 burst.
	s.SetFaults(sim.Faults{RateLimit: 2, RetryAfterSeconds: 1, Path: "/v1/instances/wait"})
	if _, err := c.WaitInstance(ctx, api.ByName("web"), api.StateRunning, 10*time.Second); err != nil {
		t.Fatalf("wait: %v", err)
	}
	waitLog(t, s, "web", "listening", 1)
	out, err := c.ReadLogs(ctx, api.ByUUID(inst.UUID), 0)
	if err != nil || !strings.Contains(string(out), "app: web listening on :8080") {
		t.Errorf("logs: %q %v", out, err)
	}
	if _, err := c.GetInstance(ctx, api.ByName("nope")); !errors.Is(err, kraftcloud.ErrNotFound) {
		t.Errorf("get missing: %v", err)
	}
	del, err := c.DeleteInstance(ctx, api.ByName("web"))
	if err != nil || del.PreviousState != api.StateRunning {
		t.Errorf("delete: %+v %v", del, err)
	}
}
