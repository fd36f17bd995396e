package sim_test

import (
	"os"
	"path/filepath"
	"syscall"
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
	// a database's data directory: 0700, its files 0600, owned by its user
	pgdata := filepath.Join(s.VolumeDir(src), "pgdata")
	if err := os.Mkdir(pgdata, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pgdata, "PG_VERSION"), []byte("15\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{pgdata, filepath.Join(pgdata, "PG_VERSION")} {
		if err := os.Chown(p, 70, 70); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("PG_VERSION", filepath.Join(pgdata, "link")); err != nil {
		t.Fatal(err)
	}
	check := func(env rawEnvelope, name string) {
		t.Helper()
		it := env.Data["volumes"]
		if env.Status != spec.StatusSuccess || len(it) != 1 || it[0]["name"] != name || it[0]["state"] != spec.VolumeAvailable {
			t.Fatalf("clone %s: %+v", name, env)
		}
		dir := s.VolumeDir(it[0]["uuid"].(string))
		b, err := os.ReadFile(filepath.Join(dir, "data.txt"))
		if err != nil || string(b) != "kept" {
			t.Errorf("clone %s holds %q %v", name, b, err)
		}
		for p, mode := range map[string]os.FileMode{"pgdata": os.ModeDir | 0o700, "pgdata/PG_VERSION": 0o600} {
			fi, err := os.Lstat(filepath.Join(dir, p))
			if err != nil || fi.Mode() != mode || fi.Sys().(*syscall.Stat_t).Uid != 70 {
				t.Errorf("clone %s: %s is %v %v, want %v owned by 70", name, p, fi.Mode(), err, mode)
			}
		}
		if l, err := os.Readlink(filepath.Join(dir, "pgdata/link")); err != nil || l != "PG_VERSION" {
			t.Errorf("clone %s: the symbolic link is %q %v", name, l, err)
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
