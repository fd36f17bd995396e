package pgimage

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

const testPassword = "pw-'quoted'-0123456789"

// TestRunsInSimulator boots the image in the simulator on a volume, talks
// to it with psql over the private network, and boots a second instance
// on the same volume: the data is there, the password is the new env's.
func TestRunsInSimulator(t *testing.T) {
	root, _ := testRootfs(t)
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not installed (bash .ci/postgres.sh installs postgresql-client)")
	}
	s := simtest.Start(t, simtest.StopGrace(2*time.Second))
	ctx := context.Background()
	c, err := kraftcloud.New(s.Endpoints().API, s.Endpoints().Token)
	if err != nil {
		t.Fatal(err)
	}
	image := pushTestImage(t, s, c, root)
	if _, err := c.CreateVolume(ctx, api.CreateVolumeRequest{Name: "pgdata", SizeMB: 256}); err != nil {
		t.Fatal(err)
	}

	ip, logs1 := bootPG(t, c, image, "pg1", testPassword)
	if !strings.Contains(logs1, "initialising") {
		t.Errorf("first boot did not initialise the cluster:\n%s", logs1)
	}
	sql(t, psql, ip, testPassword, "create table marker (v text); insert into marker values ('kept')")
	if out, err := runSQL(psql, ip, "wrong-password", "select 1"); err == nil || !strings.Contains(out, "password authentication failed") {
		t.Errorf("a wrong password was not refused: %v %s", err, out)
	}
	if _, err := c.DeleteInstance(ctx, api.ByName("pg1")); err != nil {
		t.Fatal(err)
	}

	ip, logs2 := bootPG(t, c, image, "pg2", "another-password-42")
	if strings.Contains(logs2, "initialising") {
		t.Errorf("second boot initialised the cluster again:\n%s", logs2)
	}
	if got := sql(t, psql, ip, "another-password-42", "select v from marker"); got != "kept" {
		t.Errorf("after a new instance on the volume: %q, want kept", got)
	}
	simtest.NoSecrets(t, map[string]string{"pg1's console log": logs1, "pg2's console log": logs2},
		testPassword, "another-password-42")
}

// bootPG creates an instance of the image on volume pgdata and waits for
// the server's ready line; it returns the private IP and the logs.
func bootPG(t *testing.T, c *kraftcloud.Client, image, name, password string) (string, string) {
	t.Helper()
	ctx := context.Background()
	_, err := c.CreateInstance(ctx, api.CreateInstanceRequest{
		Name: name, Image: image, MemoryMB: 384, Autostart: true, RestartPolicy: api.RestartNever,
		Args:    append([]string{EntrypointPath}, ServerFlags(384, 256)...),
		Env:     map[string]string{"POSTGRES_PASSWORD": password, "POSTGRES_USER": "openfga", "POSTGRES_DB": "openfga"},
		Volumes: []api.VolumeMount{{Name: "pgdata", At: VolumeAt}},
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, _ := c.ReadLogs(ctx, api.ByName(name), 0)
		got, err := c.GetInstance(ctx, api.ByName(name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), ReadyLine) {
			return got.NetworkInterfaces[0].PrivateIP, string(b)
		}
		if got.State.Settled() || time.Now().After(deadline) {
			t.Fatalf("%s: state %s exit %d, no ready line:\n%s", name, got.State, got.ExitCode, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func pushTestImage(t *testing.T, s *sim.Sim, c *kraftcloud.Client, root string) string {
	t.Helper()
	ctx := context.Background()
	reg := s.Endpoints().Registry
	user, secret := c.Token().RegistryAuth()
	acc := unikernel.Access{Username: user, Password: secret, PlainHTTP: true}
	rt, err := unikernel.PullRuntime(ctx, unikernel.RuntimeRef(reg, DefaultRuntime), acc)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := unikernel.NewRef(reg, c.Token().Namespace(), "openfga-pg", "15")
	if err != nil {
		t.Fatal(err)
	}
	image, err := Push(ctx, root, rt, ref, acc)
	if err != nil {
		t.Fatal(err)
	}
	return image
}

func runSQL(psql, ip, password, stmt string) (string, error) {
	cmd := exec.Command(psql, "-X", "-tA", "-h", ip, "-p", "5432", "-U", "openfga", "-d", "openfga", "-c", stmt)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=5")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func sql(t *testing.T, psql, ip, password, stmt string) string {
	t.Helper()
	out, err := runSQL(psql, ip, password, stmt)
	if err != nil {
		t.Fatalf("psql %q: %v: %s", stmt, err, out)
	}
	return out
}
