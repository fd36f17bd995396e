//go:build e2e

package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/gobuild"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/deploy"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// engineGateway is the engine network's bridge address (.ci/engine): the one
// address of this test's namespace that the module's own container can reach.
const engineGateway = "10.87.0.1"

const presharedKey = "e2e-preshared-key-0123456789"

// platform is a simulator the module can reach from inside the engine.
type platform struct {
	sim *sim.Sim
	ep  sim.Endpoints
	api *kraftcloud.Client
}

func startPlatform(t *testing.T) *platform {
	t.Helper()
	s := simtest.Start(t, simtest.Listen(engineGateway), simtest.Subnet("10.203.7.0/24"))
	ep := s.Endpoints()
	c, err := kraftcloud.New(ep.API, ep.Token)
	if err != nil {
		t.Fatal(err)
	}
	os.Setenv("SIM_TOKEN", ep.Token)
	os.Setenv("E2E_PRESHARED_KEY", presharedKey)
	return &platform{sim: s, ep: ep, api: c}
}

// deployArgs are the flags of `deploy` against this platform.
func (p *platform) deployArgs(name string, extra ...string) []string {
	return append([]string{"deploy",
		"--token=env://SIM_TOKEN",
		"--api=" + p.ep.API,
		"--registry=http://" + p.ep.Registry,
		"--ca=" + p.ep.CA,
		"--connect-to=" + p.ep.TLS,
		"--preshared-key=env://E2E_PRESHARED_KEY",
		"--name=" + name,
		"--memory=512Mi",
	}, extra...)
}

// client talks to the deployment's FQDN through the simulator's TLS front.
func (p *platform) client(t *testing.T, url string) *verify.Client {
	pem, err := os.ReadFile(p.ep.CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	dial := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dial.DialContext(ctx, network, p.ep.TLS)
		},
	}
	return &verify.Client{BaseURL: url, Key: presharedKey, HTTP: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

func (p *platform) instances(t *testing.T) []api.Instance {
	t.Helper()
	insts, err := p.api.ListInstances(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return insts
}

func decodeDeployment(t *testing.T, out string) deploy.Deployment {
	t.Helper()
	var d deploy.Deployment
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("deploy printed no Deployment JSON: %v\n%s", err, out)
	}
	return d
}

// One platform, one deployment, driven through its life: first deploy, a
// rollout, a failed rollout that leaves it serving, bad input, destroy.
func TestDeploy(t *testing.T) {
	f := loadFixture(t)
	p := startPlatform(t)
	const name = "openfga-e2e"

	first := decodeDeployment(t, dagger(t, 30*time.Minute, f.moduleArgs(p.deployArgs(name)...)...).must(t).stdout)
	t.Logf("first deploy: %+v", first)
	if !first.Verified || first.OpenFGAVersion != gobuild.Pinned.Version || first.Commit != f.commit || first.Auth != "preshared" ||
		first.ServiceGroup != name || !strings.HasPrefix(first.URL, "https://"+name+".") || !strings.HasPrefix(first.Digest, "sha256:") {
		t.Fatalf("deployment record: %+v", first)
	}
	c := p.client(t, first.URL)
	if err := c.Verify(context.Background()); err != nil {
		t.Fatalf("the deployment does not serve through its FQDN: %v", err)
	}
	noKey := *c
	noKey.Key = ""
	if err := noKey.RoundTrip(context.Background()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("OpenFGA answered without the preshared key: %v", err)
	}

	t.Run("unchanged redeploy keeps the instance and builds nothing", func(t *testing.T) {
		r := dagger(t, 30*time.Minute, f.moduleArgs(p.deployArgs(name)...)...).must(t)
		same := decodeDeployment(t, r.stdout)
		if same.Changed != deploy.ChangeNone || same.UUID != first.UUID || !same.Verified || len(same.Replaced) != 0 {
			t.Errorf("the same deploy again: changed %v, uuid %s (was %s), verified %v, replaced %v", same.Changed, same.UUID, first.UUID, same.Verified, same.Replaced)
		}
		if !strings.Contains(r.stderr, "deploying it without a build") {
			t.Errorf("the registry's image was not reused:\n%s", tail(r.stderr, 30))
		}
	})

	t.Run("rollout", func(t *testing.T) {
		var ok, failed atomic.Int64
		stop := make(chan struct{})
		done := probe(c, stop, &ok, &failed)
		second := decodeDeployment(t, dagger(t, 30*time.Minute, f.moduleArgs(p.deployArgs(name, "--force")...)...).must(t).stdout)
		close(stop)
		<-done
		t.Logf("during the rollout: %d health checks succeeded, %d failed; rollout took %d ms",
			ok.Load(), failed.Load(), second.Timings.Rollout)
		if second.Instance == first.Instance || len(second.Replaced) != 1 || second.Replaced[0] != first.Instance {
			t.Fatalf("second deploy did not replace the first: %+v", second)
		}
		if failed.Load() != 0 || ok.Load() == 0 {
			t.Errorf("requests failed during the rollout: %d ok, %d failed", ok.Load(), failed.Load())
		}
		if names := instanceNames(p.instances(t)); len(names) != 1 || names[0] != second.Instance {
			t.Errorf("instances after the rollout: %v, want only %s", names, second.Instance)
		}
		first = second
	})

	t.Run("failed rollout leaves the old one serving", func(t *testing.T) {
		r := dagger(t, 30*time.Minute, f.moduleArgs(p.deployArgs(name,
			"--env=OPENFGA_DATASTORE_ENGINE=postgres",
			"--env=OPENFGA_DATASTORE_URI=postgres://openfga@postgres.default:5432/openfga")...)...)
		if r.err == nil {
			t.Fatalf("a deploy whose datastore does not resolve succeeded:\n%s", r.stdout)
		}
		for _, want := range []string{"exit code 2", "postgres.default"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("the failure does not say %q:\n%s", want, tail(r.stderr, 40))
			}
		}
		if names := instanceNames(p.instances(t)); len(names) != 1 || names[0] != first.Instance {
			t.Errorf("instances after the failed rollout: %v, want only %s", names, first.Instance)
		}
		if err := c.Verify(context.Background()); err != nil {
			t.Errorf("the old deployment stopped serving: %v", err)
		}
	})

	t.Run("bad input is refused before anything remote", func(t *testing.T) {
		before := len(p.instances(t))
		r := dagger(t, 10*time.Minute, f.moduleArgs(p.deployArgs(name, "--memory=3")...)...)
		if r.err == nil || !strings.Contains(r.stderr, "memory") {
			t.Fatalf("memory 3 MiB was not refused: %v\n%s", r.err, tail(r.stderr, 20))
		}
		if after := len(p.instances(t)); after != before {
			t.Errorf("instances went from %d to %d", before, after)
		}
	})

	t.Run("status and destroy", func(t *testing.T) {
		conn := []string{"--token=env://SIM_TOKEN", "--api=" + p.ep.API, "--name=" + name}
		st := dagger(t, 10*time.Minute, append([]string{"status"}, conn...)...).must(t).stdout
		if !strings.Contains(st, first.Instance) || !strings.Contains(st, "running") {
			t.Errorf("status:\n%s", st)
		}
		logs := dagger(t, 10*time.Minute, append([]string{"logs"}, conn...)...).must(t).stdout
		if !strings.Contains(logs, "starting openfga service") {
			t.Errorf("logs:\n%s", tail(logs, 20))
		}
		dagger(t, 10*time.Minute, append([]string{"destroy"}, conn...)...).must(t)
		if names := instanceNames(p.instances(t)); len(names) != 0 {
			t.Errorf("instances after destroy: %v", names)
		}
	})

	// Nothing the CLI printed in this test may carry the token or the key.
	for _, secret := range []string{p.ep.Token, presharedKey} {
		for _, out := range transcripts() {
			if strings.Contains(out, secret) {
				t.Fatalf("a secret appears in the output of dagger call:\n%s", out)
			}
		}
	}
}

func instanceNames(insts []api.Instance) []string {
	var names []string
	for _, i := range insts {
		names = append(names, i.Name)
	}
	return names
}

// probe checks health through the FQDN every 100 ms until stop is closed.
func probe(c *verify.Client, stop chan struct{}, ok, failed *atomic.Int64) chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := c.Health(ctx); err != nil {
				failed.Add(1)
			} else {
				ok.Add(1)
			}
			cancel()
		}
	}()
	return done
}
