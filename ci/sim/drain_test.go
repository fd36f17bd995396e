package sim_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// TestDraining: a stop with drain_timeout_ms puts the instance in
// draining; it takes no new connections through the TLS front and stops
// when its last connection closes, or when the timeout expires; 0 means
// no draining, and force ignores the drain (by-UUID form).
func TestDraining(t *testing.T) {
	s := v1Sim(t)
	img := appImage(t, s, "drainer", "/app")
	inst := create(t, s, api.CreateInstanceRequest{Name: "drainer", Image: img, Autostart: true,
		ServiceGroup: &api.ServiceGroupSpec{Services: webService}})
	waitRunning(t, s, "drainer")
	c, fqdn := simtest.FrontClient(t, s), inst.PublicFQDNs()[0]
	for deadline := time.Now().Add(10 * time.Second); get(t, s, "drainer").NetTimeUs == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}

	// A long request holds a connection while the stop drains.
	slow := make(chan int, 1)
	go func() {
		resp, err := c.Get("https://" + fqdn + "/sleep?ms=1500")
		if err != nil {
			slow <- 0
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	time.Sleep(300 * time.Millisecond)
	_, env := send(t, s, "PUT", "/v1/instances/stop", `[{"name":"drainer","drain_timeout_ms":10000}]`)
	if it := env.Data["instances"]; len(it) != 1 || it[0]["state"] != spec.StateDraining || it[0]["previous_state"] != spec.StateRunning {
		t.Fatalf("stop with a drain timeout: %+v", env)
	}
	if got := get(t, s, "drainer"); got.State != api.StateDraining {
		t.Errorf("state %s, want draining", got.State)
	}
	if code, _ := fetch(t, c, fqdn, "/"); code != http.StatusServiceUnavailable {
		t.Errorf("a new request while draining: %d, want 503", code)
	}
	if code := <-slow; code != http.StatusOK {
		t.Errorf("the request in flight: %d, want 200", code)
	}
	got := waitSettled(t, s, "drainer", 10*time.Second)
	if got.State != api.StateStopped || !got.StopReason.Has(api.StopUser) || got.StopReason.Has(api.StopForced) {
		t.Errorf("after the last connection: %s %s", got.State, got.StopReason)
	}

	// The timeout expires before the connection closes.
	instanceCall(t, s, http.MethodPut, "/v1/instances/start", []api.StartRequest{{Ref: api.Ref{Name: "drainer"}, TimeoutS: 10}})
	for deadline := time.Now().Add(10 * time.Second); get(t, s, "drainer").NetTimeUs == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	go func() {
		if resp, err := c.Get("https://" + fqdn + "/sleep?ms=8000"); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	if _, env := send(t, s, "PUT", "/v1/instances/"+inst.UUID+"/stop", `{"drain_timeout_ms":400}`); env.Data["instances"][0]["state"] != spec.StateDraining {
		t.Fatalf("by-UUID stop with a drain timeout: %+v", env)
	}
	if got := waitSettled(t, s, "drainer", 10*time.Second); got.State != api.StateStopped || time.Since(start) > 5*time.Second {
		t.Errorf("after the drain timeout: %s after %v", got.State, time.Since(start))
	}

	// 0: no draining. Force: the drain is ignored.
	for _, body := range []string{`{"drain_timeout_ms":0}`, `{"force":true,"drain_timeout_ms":5000}`} {
		instanceCall(t, s, http.MethodPut, "/v1/instances/start", []api.StartRequest{{Ref: api.Ref{Name: "drainer"}, TimeoutS: 10}})
		_, env := send(t, s, "PUT", "/v1/instances/"+inst.UUID+"/stop", body)
		if st := env.Data["instances"][0]["state"]; st != spec.StateStopping && st != spec.StateStopped {
			t.Errorf("stop %s: state %v, want stopping", body, st)
		}
		waitSettled(t, s, "drainer", 10*time.Second)
	}
	if got := get(t, s, "drainer"); !got.StopReason.Has(api.StopForced) {
		t.Errorf("the forced stop: stop_reason %s", got.StopReason)
	}
}
