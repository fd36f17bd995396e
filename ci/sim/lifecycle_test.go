package sim_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// TestStopStart: a user stop ends the app with the user and platform bits
// set; start boots it again and the logs of both runs are kept.
func TestStopStart(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	img := appImage(t, s, "web", "/app")
	create(t, s, api.CreateInstanceRequest{Name: "web", Image: img, Autostart: true})
	waitRunning(t, s, "web")
	waitLog(t, s, "web", "listening on", 1) // running is not readiness: let it get there
	bad := instanceCall(t, s, http.MethodPut, "/v1/instances/stop", []api.StopRequest{{Ref: api.Ref{Name: "web"}, Force: true, DrainTimeoutMs: 100}})
	if bad.Error != api.ErrNotBoth || get(t, s, "web").State != api.StateRunning {
		t.Fatalf("stop with force and a drain timeout: %+v", bad.ItemStatus)
	}
	st := instanceCall(t, s, http.MethodPut, "/v1/instances/stop", []api.StopRequest{{Ref: api.Ref{Name: "web"}}})
	if st.Failed() || st.PreviousState != api.StateRunning {
		t.Fatalf("stop: %+v", st)
	}
	got := waitSettled(t, s, "web", 10*time.Second)
	if got.State != api.StateStopped || !got.StopReason.Has(api.StopUser|api.StopPlatform) || got.StopReason.Has(api.StopForced) {
		t.Errorf("after stop: %s %s", got.State, got.StopReason)
	}
	instanceCall(t, s, http.MethodPut, "/v1/instances/start", []api.StartRequest{{Ref: api.Ref{Name: "web"}}})
	waitRunning(t, s, "web")
	if got := get(t, s, "web"); got.StartCount != 2 {
		t.Errorf("start_count %d", got.StartCount)
	}
	waitLog(t, s, "web", "listening on", 2)
}

// TestRestartPolicy: on-failure restarts a failing app (the first restart
// is immediate); delete-on-stop removes an instance that stopped.
func TestRestartPolicy(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, func(o *sim.Options) { o.RestartBackoff = 200 * time.Millisecond })
	img := appImage(t, s, "app", "/app")
	// v1 spells the policy on_failure.
	create(t, s, api.CreateInstanceRequest{Name: "flaky", Image: img, Args: []string{"/app", "exit"},
		RestartPolicy: "on_failure", Autostart: true})
	deadline := time.Now().Add(10 * time.Second)
	var got api.Instance
	for time.Now().Before(deadline) {
		// Two restarts performed: the second came after a back-off delay.
		if got = get(t, s, "flaky"); got.StartCount >= 3 && got.Restart != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got.StartCount < 2 || got.RestartCount < 2 || got.ExitCode != 7 || got.Restart == nil {
		t.Errorf("on-failure: start_count %d restart_count %d exit %d restart %+v", got.StartCount, got.RestartCount, got.ExitCode, got.Restart)
	}
	create(t, s, api.CreateInstanceRequest{Name: "oneshot", Image: img, Args: []string{"/app", "exit"},
		Features: []api.Feature{api.FeatureDeleteOnStop}, Autostart: true})
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if get(t, s, "oneshot").Error == api.ErrNotFound {
			return
		}
	}
	t.Error("delete-on-stop: the instance is still there")
}

// TestVolumes: a volume is bound into the instance at its path and keeps
// what the app wrote; attach needs a stopped instance; an attached volume
// cannot be deleted.
func TestVolumes(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	var resp api.Response[api.Volume]
	call(t, s, http.MethodPost, "/v1/volumes", api.CreateVolumeRequest{Name: "data", SizeMB: 16}, &resp)
	vols := resp.Items(api.KindVolumes)
	if len(vols) != 1 || vols[0].Failed() || vols[0].State != api.VolumeAvailable {
		t.Fatalf("create volume: %+v", resp)
	}
	img := appImage(t, s, "app", "/app")
	create(t, s, api.CreateInstanceRequest{Name: "writer", Image: img, Args: []string{"/app", "write", "/data/hello.txt", "kept"},
		Volumes: []api.VolumeMount{{Name: "data", At: "/data"}}, Autostart: true})
	if got := waitSettled(t, s, "writer", 10*time.Second); got.ExitCode != 0 || got.State != api.StateStopped {
		t.Fatalf("writer: %+v\n%s", got, logs(t, s, "writer"))
	}
	if b, err := os.ReadFile(filepath.Join(s.VolumeDir(vols[0].UUID), "hello.txt")); err != nil || string(b) != "kept" {
		t.Errorf("volume content: %q %v", b, err)
	}
	call(t, s, http.MethodDelete, "/v1/volumes", []api.Ref{{Name: "data"}}, &resp)
	if v := resp.Items(api.KindVolumes); len(v) != 1 || v[0].Error != api.ErrAttached {
		t.Errorf("delete attached volume: %+v", resp)
	}
	create(t, s, api.CreateInstanceRequest{Name: "server", Image: img, Autostart: true})
	waitRunning(t, s, "server")
	call(t, s, http.MethodPut, "/v1/volumes/attach", []api.AttachVolumeRequest{{Ref: api.Ref{Name: "data"}, AttachTo: api.Ref{Name: "server"}, At: "/v"}}, &resp)
	if v := resp.Items(api.KindVolumes); len(v) != 1 || v[0].Error != api.ErrFailedWrongVMState {
		t.Errorf("attach to a running instance: %+v", resp)
	}
	call(t, s, http.MethodPut, "/v1/volumes/detach", []api.DetachVolumeRequest{{Ref: api.Ref{Name: "data"}}}, &resp)
	if v := resp.Items(api.KindVolumes); len(v) != 1 || v[0].Failed() || len(v[0].AttachedTo) != 0 {
		t.Errorf("detach: %+v", resp)
	}
	call(t, s, http.MethodGet, "/v1/volumes", []api.Ref{{Name: "data"}}, &resp)
	if v := resp.Items(api.KindVolumes); len(v) != 1 || v[0].Failed() || len(v[0].AttachedTo) != 0 {
		t.Errorf("after detach: %+v", resp)
	}
	call(t, s, http.MethodDelete, "/v1/volumes", []api.Ref{{Name: "data"}}, &resp)
	if v := resp.Items(api.KindVolumes); len(v) != 1 || v[0].Failed() {
		t.Errorf("delete: %+v", resp)
	}
}
