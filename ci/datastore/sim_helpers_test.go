package datastore

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage/pgtest"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// TestMain lets simtest close the shared simulator and remove its builds.
func TestMain(m *testing.M) { os.Exit(simtest.Main(m)) }

// One simulator serves the whole package (tests use their own names): it
// holds the pushed OpenFGA and PostgreSQL images.
var (
	shared   simtest.Shared
	images   sync.Mutex
	openfga  string // the OpenFGA image as the API names it
	pgPushed string // the PostgreSQL image
)

// env is the shared simulator with the OpenFGA image pushed.
func env(t *testing.T) *sim.Sim {
	t.Helper()
	bin := simtest.OpenFGABinary(t)
	s := shared.Start(t, simtest.StopGrace(2*time.Second))
	images.Lock()
	defer images.Unlock()
	if openfga == "" {
		root := simtest.Rootfs(t, bin, 0o755)
		// OpenFGA's resolver reads the hosts order from nsswitch.conf, as
		// the project's rootfs overlay gives it.
		if err := os.WriteFile(filepath.Join(root, "etc", "nsswitch.conf"), []byte("hosts: files dns\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		openfga = simtest.Push(t, s, root, []string{"/usr/bin/openfga", "run"}, simtest.Name("openfga"))
	}
	return s
}

// pgImage is the PostgreSQL image pushed to the shared simulator, once.
func pgImage(t *testing.T) string {
	t.Helper()
	s := env(t)
	images.Lock()
	defer images.Unlock()
	if pgPushed == "" {
		pgPushed = pgtest.Image(t, s, "latest")
	}
	return pgPushed
}

// hostPG is the URI of the host's PostgreSQL (.ci/postgres.sh) as the
// simulator's instances reach it (at the bridge's gateway), and its password.
func hostPG(t *testing.T) (string, string) {
	t.Helper()
	s := env(t)
	pw := os.Getenv("PG_PASSWORD")
	if pw == "" {
		t.Skip("PG_PASSWORD is not set: start the test PostgreSQL with eval \"$(bash .ci/postgres.sh | sed 's/^/export /')\"")
	}
	user, db, port := os.Getenv("PG_USER"), os.Getenv("PG_DB"), os.Getenv("PG_PORT")
	return fmt.Sprintf("postgres://%s:%s@%s:%s/%s?sslmode=disable", user, pw, s.Endpoints().Gateway, port, db), pw
}

// recorder is an http.RoundTripper that notes every API call in order.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.calls = append(r.calls, req.Method+" "+req.URL.Path)
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// client is an API client of the shared simulator that records its calls.
func client(t *testing.T) (*kraftcloud.Client, *recorder) {
	t.Helper()
	s := env(t)
	rec := &recorder{}
	c, err := kraftcloud.New(s.Endpoints().API, s.Endpoints().Token,
		kraftcloud.WithHTTPClient(&http.Client{Transport: rec}))
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

// platform is what a deploy would hand to Prepare.
func platform(c *kraftcloud.Client, name string, log io.Writer) Platform {
	return Platform{Client: c, Name: name, Image: openfga, MemoryMB: 256,
		Logf:     func(f string, a ...any) { fmt.Fprintf(log, f+"\n", a...) },
		Timeouts: Timeouts{Connect: 4 * time.Second, Ready: 60 * time.Second, Migrate: 60 * time.Second}}
}

// runOpenFGA starts an OpenFGA instance with the datastore's env, as a
// deploy would, and returns a client for it over the private network.
func runOpenFGA(t *testing.T, c *kraftcloud.Client, name string, dsEnv map[string]string) (*verify.Client, api.Instance) {
	t.Helper()
	ctx := context.Background()
	envv := map[string]string{"OPENFGA_HTTP_ADDR": "0.0.0.0:8080", "OPENFGA_PLAYGROUND_ENABLED": "false", "OPENFGA_LOG_FORMAT": "json"}
	for k, v := range dsEnv {
		envv[k] = v
	}
	inst, err := c.CreateInstance(ctx, api.CreateInstanceRequest{Name: name, Image: openfga, MemoryMB: 256,
		Args: []string{"/usr/bin/openfga", "run"}, Env: envv, Autostart: true, RestartPolicy: api.RestartNever})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = c.DeleteInstance(context.Background(), api.ByUUID(inst.UUID)) })
	if inst, err = c.GetInstance(ctx, api.ByUUID(inst.UUID)); err != nil || len(inst.NetworkInterfaces) == 0 {
		t.Fatalf("OpenFGA %s: no private IP: %+v %v", name, inst, err)
	}
	vc := &verify.Client{BaseURL: "http://" + inst.NetworkInterfaces[0].PrivateIP + ":8080", HTTP: &http.Client{Timeout: 5 * time.Second}}
	hctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := vc.WaitHealthy(hctx, 300*time.Millisecond); err != nil {
		b, _ := c.ReadLogs(ctx, api.ByUUID(inst.UUID), 4096)
		t.Fatalf("OpenFGA %s: %v\n%s", name, err, b)
	}
	return vc, inst
}

// leftovers lists the instances and volumes whose names start with prefix.
func leftovers(t *testing.T, c *kraftcloud.Client, prefix string) []string {
	t.Helper()
	ctx := context.Background()
	insts, err := c.ListInstances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, i := range insts {
		if strings.HasPrefix(i.Name, prefix) {
			out = append(out, "instance "+i.Name)
		}
	}
	if _, err := c.GetVolume(ctx, api.ByName(VolumeName(prefix))); err == nil {
		out = append(out, "volume "+VolumeName(prefix))
	}
	return out
}

// noSecret fails the test if a text shows the secret.
func noSecret(t *testing.T, secret string, texts ...string) {
	t.Helper()
	named := map[string]string{}
	for i, text := range texts {
		named[fmt.Sprintf("output %d", i+1)] = text
	}
	simtest.NoSecrets(t, named, secret)
}
