package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/deploy"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// standin is a small stand-in for OpenFGA that serves /healthz.
const standin = "../deploy/testdata/standin"

// testToken is a well-formed token for tests that never reach an API.
var testToken = base64.StdEncoding.EncodeToString([]byte("robot$acme.users.kraftcloud:s3cr3t-token-secret"))

// testKey is a preshared key; no output may ever show it.
const testKey = "k3y-0123456789abcdef-preshared"

// refuseAll is a client of an API that fails the test on any request.
func refuseAll(t *testing.T) (*kraftcloud.Client, *atomic.Int64) {
	t.Helper()
	url, n := simtest.RefuseAll(t)
	c, err := kraftcloud.New(url, testToken)
	if err != nil {
		t.Fatal(err)
	}
	return c, n
}

func decodeDeployment(t *testing.T, s string) deploy.Deployment {
	t.Helper()
	var d deploy.Deployment
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("stdout is not the Deployment JSON: %v\n%s", err, s)
	}
	return d
}

// deploy refuses a malformed token, unknown flags and a bad metro
// without a request.
func TestDeployRefusesBadTokenAndUsage(t *testing.T) {
	_, sent := refuseAll(t)
	root := simtest.Rootfs(t, simtest.GoBinary(t, standin), 0o755)
	var out, errOut simtest.SyncBuffer
	code := deployCmd([]string{"--rootfs", root, "--name", "x", "--api", "http://127.0.0.1:1", "--token", "not-base64!"}, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "invalid token format") || strings.Contains(errOut.String(), "not-base64!") {
		t.Fatalf("code %d, stderr %q", code, errOut.String())
	}
	if code := deployCmd([]string{"--bogus"}, &out, &errOut); code != 2 {
		t.Fatalf("unknown flag: code %d", code)
	}
	errOut = simtest.SyncBuffer{}
	code = deployCmd([]string{"--rootfs", root, "--name", "x", "--metro", "not a metro", "--token", testToken}, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "neither a metro name") {
		t.Fatalf("bad metro: code %d, stderr %q", code, errOut.String())
	}
	if out.String() != "" || sent.Load() != 0 {
		t.Fatalf("stdout %q, %d requests", out.String(), sent.Load())
	}
}

// The commands on one deployment, against the simulator with real
// OpenFGA: deploy (token and key from the environment, the Deployment JSON
// on stdout), status (serving), logs (OpenFGA's own lines), destroy with
// the image (nothing left). No output shows a secret.
func TestDeployStatusLogsDestroy(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	ep := s.Endpoints()
	root := simtest.Rootfs(t, bin, 0o755)
	const name = "openfga"
	t.Setenv("UKC_TOKEN", ep.Token)
	t.Setenv(PresharedKeyEnv, testKey)
	all := map[string]string{}
	run := func(step string, cmd func([]string, io.Writer, io.Writer) int, args ...string) (int, string) {
		var stdout, stderr simtest.SyncBuffer
		code := cmd(args, &stdout, &stderr)
		all[step+" stdout"], all[step+" stderr"] = stdout.String(), stderr.String()
		if code != 0 {
			t.Logf("%s: exit %d\n%s", step, code, stderr.String())
		}
		return code, stdout.String()
	}
	code, out := run("deploy", deployCmd, "--rootfs", root, "--name", name, "--api", ep.API, "--registry", ep.Registry,
		"--ca", ep.CA, "--connect-to", ep.TLS, "--memory", "256", "--watch", "2s", "--kraftfile", "../../Kraftfile")
	if code != 0 {
		t.Fatalf("deploy exit %d", code)
	}
	d := decodeDeployment(t, out)
	if !d.Verified || d.URL != "https://"+name+"."+ep.Domain || d.OpenFGAVersion != "v1.11.0" || d.Auth != "preshared" {
		t.Errorf("record: %+v", d)
	}
	if code, out := run("status", statusCmd, "--name", name, "--api", ep.API); code != 0 || !strings.Contains(out, `"serving": true`) {
		t.Errorf("status: %d\n%s", code, out)
	}
	if code, out := run("logs", logsCmd, "--name", name, "--api", ep.API); code != 0 || !strings.Contains(out, `"build.version":"v1.11.0"`) {
		t.Errorf("logs: %d\n%.500s", code, out)
	}
	if code, _ := run("destroy", destroyCmd, "--name", name, "--api", ep.API, "--image", "--registry", ep.Registry); code != 0 {
		t.Fatalf("destroy: %d", code)
	}
	c, err := kraftcloud.New(ep.API, ep.Token)
	if err != nil {
		t.Fatal(err)
	}
	if left, err := c.ListInstances(context.Background()); err != nil || len(left) != 0 {
		t.Errorf("after destroy: %d instances, %v", len(left), err)
	}
	if code, _ := run("status after destroy", statusCmd, "--name", name, "--api", ep.API); code != 1 {
		t.Errorf("status of a destroyed deployment: exit %d, want 1", code)
	}
	simtest.NoSecrets(t, all, ep.Token, testKey)
}

// TestDeployWithExternalPostgres: the CLI with --datastore external and
// the URI from $OPENFGA_DATASTORE_URI, against the real PostgreSQL of
// .ci/postgres.sh (reached from the instances at the simulator's bridge
// gateway): migrate, run, verify; a second deploy rolls out and finds the
// tuple the first one wrote. The password shows nowhere.
func TestDeployWithExternalPostgres(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	pw := os.Getenv("PG_PASSWORD")
	if pw == "" {
		t.Skip("PG_PASSWORD is not set: start the test PostgreSQL with eval \"$(bash .ci/postgres.sh | sed 's/^/export /')\"")
	}
	s := simtest.Start(t)
	ep := s.Endpoints()
	gw := ep.Gateway
	root := simtest.Rootfs(t, bin, 0o755)
	t.Setenv("UKC_TOKEN", ep.Token)
	t.Setenv(PresharedKeyEnv, testKey)
	t.Setenv(DatastoreURIEnv, fmt.Sprintf("postgres://%s:%s@%s:%s/%s?sslmode=disable",
		os.Getenv("PG_USER"), pw, gw, os.Getenv("PG_PORT"), os.Getenv("PG_DB")))
	args := []string{"--rootfs", root, "--name", "extfga", "--api", ep.API, "--registry", ep.Registry,
		"--ca", ep.CA, "--connect-to", ep.TLS, "--memory", "256", "--watch", "1s", "--datastore", "external"}
	var outs []string
	for i := 1; i <= 2; i++ {
		var stdout, stderr simtest.SyncBuffer
		if i == 2 {
			args = append(args, "--force") // the same inputs: a rollout only when forced
		}
		code := deployCmd(args, &stdout, &stderr)
		outs = append(outs, stdout.String(), stderr.String())
		if code != 0 {
			t.Fatalf("deploy %d: exit %d\n%s", i, code, stderr.String())
		}
		d := decodeDeployment(t, stdout.String())
		if d.Datastore != "postgres" || !d.Persistent || !strings.Contains(stderr.String(), "migrate: done") {
			t.Errorf("deploy %d: datastore %s persistent %v\n%s", i, d.Datastore, d.Persistent, stderr.String())
		}
		if i == 2 && (len(d.Replaced) != 1 || d.Persistence != "the tuple written before this deployment is still allowed") {
			t.Errorf("rollout: replaced %v, persistence %q", d.Replaced, d.Persistence)
		}
	}
	simtest.NoSecrets(t, map[string]string{"output": strings.Join(outs, "\n")}, pw, testKey, ep.Token)
}
