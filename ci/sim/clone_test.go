package sim_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// TestCloneVolume: v1's clone forms copy a volume's data into a new
// volume, but not while a running instance mounts it read-write; the
// legacy dialect has no clone.
func TestCloneVolume(t *testing.T) {
	s := v1Sim(t)
	_, env := send(t, s, "POST", "/v1/volumes", `{"name":"clone-src","size_mb":8}`)
	src := env.Data["volumes"][0]["uuid"].(string)
	if err := os.WriteFile(filepath.Join(s.VolumeDir(src), "data.txt"), []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(env rawEnvelope, name string) {
		t.Helper()
		it := env.Data["volumes"]
		if env.Status != spec.StatusSuccess || len(it) != 1 || it[0]["name"] != name || it[0]["state"] != spec.VolumeAvailable {
			t.Fatalf("clone %s: %+v", name, env)
		}
		b, err := os.ReadFile(filepath.Join(s.VolumeDir(it[0]["uuid"].(string)), "data.txt"))
		if err != nil || string(b) != "kept" {
			t.Errorf("clone %s holds %q %v", name, b, err)
		}
	}
	_, env = send(t, s, "POST", "/v1/volumes/clone", `[{"name":"clone-src","vol_name":"clone-a","tags":["copy"]}]`)
	check(env, "clone-a")
	_, env = send(t, s, "POST", "/v1/volumes/"+src+"/clone", `{"vol_name":"clone-b"}`)
	check(env, "clone-b")
	if _, env := send(t, s, "POST", "/v1/volumes/clone", `[{"name":"clone-src","vol_name":"clone-a"}]`); itemCode(env, "volumes") != int(spec.ErrAlreadyExists) {
		t.Errorf("clone onto an existing name: %+v", env)
	}
	if code, _ := send(t, s, "POST", "/v1/volumes/clone", `[{"name":"clone-src","volname":"x"}]`); code != 400 {
		t.Errorf("a misspelt vol_name: %d", code)
	}

	img := appImage(t, s, "cloner", "/app")
	create(t, s, api.CreateInstanceRequest{Name: "clone-user", Image: img, Autostart: true,
		Volumes: []api.VolumeMount{{Name: "clone-src", At: "/data"}}})
	waitRunning(t, s, "clone-user")
	if _, env := send(t, s, "POST", "/v1/volumes/clone", `[{"name":"clone-src","vol_name":"clone-c"}]`); itemCode(env, "volumes") != int(spec.ErrFailedWrongVMState) {
		t.Errorf("clone of a volume mounted read-write: %+v", env)
	}
	instanceCall(t, s, "DELETE", "/v1/instances", []api.Ref{{Name: "clone-user"}})

	if code, _ := send(t, legacySim(t), "POST", "/v1/volumes/clone", `[{"name":"x","vol_name":"y"}]`); code != 404 {
		t.Errorf("legacy clone: %d", code)
	}
}
