package deploy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
)

// startSim starts a simulator for one test (root only).
func startSim(t *testing.T) *sim.Sim {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the simulator needs root (namespaces, bridge, cgroups): run go test as root")
	}
	s, err := sim.Start(sim.Options{Log: io.Discard, StopGrace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openfgaBinary is the static OpenFGA the main tests deploy, from
// $OPENFGA_BIN (CI builds it with `go run . build`).
func openfgaBinary(t *testing.T) string {
	t.Helper()
	p := os.Getenv("OPENFGA_BIN")
	if p == "" {
		t.Skip("OPENFGA_BIN is not set: build OpenFGA with `go run . build -o /tmp/openfga` and set OPENFGA_BIN=/tmp/openfga to run the deploy tests against real OpenFGA")
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("OPENFGA_BIN=%s: %v", p, err)
	}
	return p
}

// simClient is an API client for the simulator that logs retries to log.
func simClient(t testing.TB, s *sim.Sim, log io.Writer) *kraftcloud.Client {
	t.Helper()
	c, err := kraftcloud.New(s.Endpoints().API, s.Endpoints().Token,
		kraftcloud.WithLogf(func(f string, a ...any) { _, _ = io.WriteString(log, strings.TrimSpace(fmt.Sprintf(f, a...))+"\n") }))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// simOptions are deploy options against the simulator.
func simOptions(t testing.TB, s *sim.Sim, root, name string, log io.Writer) Options {
	ep := s.Endpoints()
	return Options{
		Client: simClient(t, s, log), Rootfs: root, Name: name, Registry: ep.Registry,
		CAFile: ep.CA, ConnectTo: ep.TLS, PresharedKeys: []string{testKey}, Log: log,
		Timeouts: Timeouts{Watch: 2 * time.Second, Verify: 40 * time.Second},
	}
}

// frontClient trusts the simulator's CA and dials its TLS front for every
// host, as DNS would send the public FQDNs to the platform's gateway.
func frontClient(t *testing.T, s *sim.Sim) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(s.Endpoints().CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	front := s.Endpoints().TLS
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool},
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, front)
		},
	}}
}

// get fetches url and returns the status and body.
func get(c *http.Client, url string) (int, string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// prober asks url/healthz every 50 ms until stopped, counting answers.
type prober struct {
	ok, failed atomic.Int64
	firstErr   atomic.Value
	stop       chan struct{}
	done       chan struct{}
}

func probe(c *http.Client, url string) *prober {
	p := &prober{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			code, body, err := get(c, url+"/healthz")
			if err == nil && code == 200 && strings.Contains(body, "SERVING") {
				p.ok.Add(1)
			} else {
				p.failed.Add(1)
				p.firstErr.CompareAndSwap(nil, fmt.Sprintf("%d %s %v", code, strings.TrimSpace(body), err))
			}
			select {
			case <-p.stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return p
}

func (p *prober) halt() { close(p.stop); <-p.done }

func decodeDeployment(t *testing.T, s string) Deployment {
	t.Helper()
	var d Deployment
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("stdout is not the Deployment JSON: %v\n%s", err, s)
	}
	return d
}
