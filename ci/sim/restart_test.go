package sim_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// The restart tests share a simulator whose back-off is the spec's scaled
// down: 300 ms for the first delayed restart, doubling to at most 1.2 s,
// and a run of 1.5 s ends the sequence.
var sharedRestart simtest.Shared

const (
	backoff    = 300 * time.Millisecond
	backoffMax = 1200 * time.Millisecond
	healthy    = 1500 * time.Millisecond
)

func restartSim(t *testing.T) *sim.Sim {
	return sharedRestart.Start(t, simtest.RestartBackoff(backoff, backoffMax, healthy))
}

// TestRestartBackoff: a crash loop under on_failure restarts at once, then
// after the back-off delay, doubling up to its cap; restart.attempt counts
// the sequence's restarts, restart.next_at shows while a delay is in
// effect, restart_count counts all; a manual stop aborts the sequence and
// a manual start begins a new one, immediate again.
func TestRestartBackoff(t *testing.T) {
	t.Parallel()
	s := restartSim(t)
	img := appImage(t, s, "crashloop", "/app")
	create(t, s, api.CreateInstanceRequest{Name: "crashloop", Image: img, Args: []string{"/app", "exit"},
		RestartPolicy: "on_failure", Autostart: true})
	startedAt := map[int]time.Time{} // start_count → when first seen
	sawNextAt := false
	for deadline := time.Now().Add(15 * time.Second); len(startedAt) < 6 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got := get(t, s, "crashloop")
		if _, ok := startedAt[got.StartCount]; !ok {
			startedAt[got.StartCount] = time.Now()
		}
		if got.Restart != nil && got.Restart.NextAt != "" {
			sawNextAt = true
			next, err := time.Parse(time.RFC3339, got.Restart.NextAt)
			if err != nil || got.Restart.Attempt < 1 || time.Until(next) > backoffMax+time.Second {
				t.Errorf("restart %+v (next_at %v)", got.Restart, err)
			}
		}
		if got.RestartCount != got.StartCount-1 || got.Restart != nil && got.Restart.Attempt != got.RestartCount {
			t.Errorf("restart_count %d, restart %+v with start_count %d", got.RestartCount, got.Restart, got.StartCount)
		}
	}
	if len(startedAt) < 6 || !sawNextAt {
		t.Fatalf("starts seen %d (next_at seen %v)", len(startedAt), sawNextAt)
	}
	gap := func(k int) time.Duration { return startedAt[k+1].Sub(startedAt[k]) }
	t.Logf("gaps between starts: %v %v %v %v %v", gap(1), gap(2), gap(3), gap(4), gap(5))
	// Start 2 is the immediate restart; 3 waits 300 ms, 4 600 ms, 5 and 6
	// the cap of 1.2 s (each gap adds the time to boot and exit).
	if gap(1) > 2*backoff || gap(2) < backoff-50*time.Millisecond || gap(3) < 2*backoff-50*time.Millisecond ||
		gap(4) < backoffMax-100*time.Millisecond || gap(5) < backoffMax-100*time.Millisecond || gap(5) > 2*backoffMax {
		t.Errorf("gaps between starts: %v %v %v %v %v", gap(1), gap(2), gap(3), gap(4), gap(5))
	}
	got := get(t, s, "crashloop")
	if got.Restart == nil || got.Restart.Attempt < 5 || got.RestartCount < 5 || got.ExitCode != 7 {
		t.Errorf("after five restarts: restart %+v exit %d", got.Restart, got.ExitCode)
	}

	// A manual stop aborts the sequence: no restart is pending any more.
	instanceCall(t, s, http.MethodPut, "/v1/instances/stop", []api.StopRequest{{Ref: api.Ref{Name: "crashloop"}}})
	stopped := waitSettled(t, s, "crashloop", 5*time.Second)
	time.Sleep(backoffMax + 300*time.Millisecond)
	if got := get(t, s, "crashloop"); got.Restart != nil || got.StartCount != stopped.StartCount {
		t.Errorf("after a manual stop: restart %+v, start_count %d then %d", got.Restart, stopped.StartCount, got.StartCount)
	}
	// A manual start: the next crash restarts at once, attempt 1.
	instanceCall(t, s, http.MethodPut, "/v1/instances/start", []api.StartRequest{{Ref: api.Ref{Name: "crashloop"}}})
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got = get(t, s, "crashloop"); got.StartCount >= stopped.StartCount+2 {
			break
		}
	}
	if got.StartCount < stopped.StartCount+2 || got.Restart == nil || got.Restart.Attempt > 2 {
		t.Errorf("after a manual start: start_count %d (was %d), restart %+v", got.StartCount, stopped.StartCount, got.Restart)
	}
	instanceCall(t, s, http.MethodDelete, "/v1/instances", []api.Ref{{Name: "crashloop"}})
}

// TestRestartPolicies: always restarts any exit from within the instance,
// a clean one too; on_failure does not restart a clean exit; never
// restarts nothing.
func TestRestartPolicies(t *testing.T) {
	t.Parallel()
	s := restartSim(t)
	img := appImage(t, s, "policies", "/app")
	for _, c := range []struct {
		name, policy string
		restarts     bool
	}{{"clean-always", "always", true}, {"clean-onfailure", "on_failure", false}, {"clean-never", "never", false}} {
		create(t, s, api.CreateInstanceRequest{Name: c.name, Image: img, Args: []string{"/app", "write", "/ok", "x"},
			RestartPolicy: api.RestartPolicy(c.policy), Autostart: true})
		var got api.Instance
		for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if got = get(t, s, c.name); got.StartCount >= 2 {
				break
			}
		}
		if c.restarts != (got.StartCount >= 2) || (got.State == api.StateStopped && got.ExitCode != 0) {
			t.Errorf("%s: start_count %d exit %d, restarts %v", c.name, got.StartCount, got.ExitCode, c.restarts)
		}
		instanceCall(t, s, http.MethodDelete, "/v1/instances", []api.Ref{{Name: c.name}})
	}
}

// TestKill: Kill crashes a running app (stop_reason ----K, a SEGFAULT
// stop_code at the app's initlevel); on_failure restarts it at once; a
// healthy run ends the sequence, so the next crash restarts at once
// again; under never it stays stopped.
func TestKill(t *testing.T) {
	t.Parallel()
	s := restartSim(t)
	img := appImage(t, s, "killed", "/app")
	create(t, s, api.CreateInstanceRequest{Name: "killed", Image: img, RestartPolicy: "on_failure", Autostart: true})
	create(t, s, api.CreateInstanceRequest{Name: "killed-never", Image: img, Autostart: true})
	waitRunning(t, s, "killed")
	waitRunning(t, s, "killed-never")
	if err := s.Kill("nobody"); err == nil {
		t.Error("Kill of an unknown instance: no error")
	}
	crashThenRestart := func(round int) api.Instance {
		t.Helper()
		before := get(t, s, "killed")
		if err := s.Kill("killed"); err != nil {
			t.Fatalf("Kill: %v", err)
		}
		var got api.Instance
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if got = get(t, s, "killed"); got.StartCount > before.StartCount && got.State == api.StateRunning {
				break
			}
		}
		if got.StartCount != before.StartCount+1 || got.StopReason != api.StopKernel || uint32(got.StopCode) != 0x7F05 ||
			got.Restart == nil || got.Restart.Attempt != 1 || got.Restart.NextAt != "" || got.RestartCount != round {
			t.Errorf("round %d: start_count %d→%d stop_reason %s stop_code %#x restart %+v restart_count %d",
				round, before.StartCount, got.StartCount, got.StopReason, uint32(got.StopCode), got.Restart, got.RestartCount)
		}
		return got
	}
	crashThenRestart(1)
	time.Sleep(healthy + 500*time.Millisecond) // a healthy run ends the sequence
	if got := get(t, s, "killed"); got.Restart != nil || got.RestartCount != 1 {
		t.Errorf("after a healthy run: restart %+v restart_count %d", got.Restart, got.RestartCount)
	}
	crashThenRestart(2) // immediate again, attempt 1
	if stops := s.Stops("killed"); len(stops) != 2 || stops[0] != stops[1] || stops[0] != (sim.Stop{Reason: uint32(api.StopKernel), Code: 0x7F05}) {
		t.Errorf("stops: %+v", stops)
	}

	if err := s.Kill("killed-never"); err != nil {
		t.Fatal(err)
	}
	got := waitSettled(t, s, "killed-never", 5*time.Second)
	time.Sleep(300 * time.Millisecond)
	if got = get(t, s, "killed-never"); got.State != api.StateStopped || got.StartCount != 1 || got.StopReason != api.StopKernel {
		t.Errorf("never: %s start_count %d stop_reason %s", got.State, got.StartCount, got.StopReason)
	}
	if err := s.Kill("killed-never"); !errors.Is(err, sim.ErrNotRunning) {
		t.Errorf("Kill of a stopped instance: %v", err)
	}
	for _, n := range []string{"killed", "killed-never"} {
		instanceCall(t, s, http.MethodDelete, "/v1/instances", []api.Ref{{Name: n}})
	}
}
