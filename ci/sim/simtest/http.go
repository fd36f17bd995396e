package simtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
)

// FrontClient is an HTTPS client that trusts the simulator's CA and dials
// its TLS front whatever the URL's host, as DNS sends every public FQDN to
// the platform's gateway; the host still goes out as SNI and Host, which is
// how the front routes. Keep-alives are off, so that each request is routed
// afresh (a rollout test sees the new instance).
func FrontClient(t testing.TB, s *sim.Sim) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(s.Endpoints().CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("simtest: %s holds no certificate", s.Endpoints().CA)
	}
	front := s.Endpoints().TLS
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool},
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, front)
		},
	}}
}

// Prober asks a server's /healthz every 50 ms until halted, counting the
// answers that say OpenFGA serves (200 with "SERVING" in the body) and the
// others.
type Prober struct {
	ok, failed atomic.Int64
	first      atomic.Pointer[string]
	halt       sync.Once
	stop, done chan struct{}
}

// Probe starts probing url + "/healthz" with c.
func Probe(c *http.Client, url string) *Prober {
	p := &Prober{stop: make(chan struct{}), done: make(chan struct{})}
	go p.run(c, url+"/healthz")
	return p
}

func (p *Prober) run(c *http.Client, url string) {
	defer close(p.done)
	for {
		if why := check(c, url); why == "" {
			p.ok.Add(1)
		} else {
			p.failed.Add(1)
			p.first.CompareAndSwap(nil, &why)
		}
		select {
		case <-p.stop:
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// check asks url once and says what was wrong, or "".
func check(c *http.Client, url string) string {
	resp, err := c.Get(url)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "SERVING") {
		return fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return ""
}

// Halt stops the probing and waits for the request in flight. The counts
// are final once it returns. It may be called more than once.
func (p *Prober) Halt() {
	p.halt.Do(func() { close(p.stop) })
	<-p.done
}

// OK is the number of healthy answers so far.
func (p *Prober) OK() int64 { return p.ok.Load() }

// Failed is the number of failed probes so far.
func (p *Prober) Failed() int64 { return p.failed.Load() }

// FirstFailure describes the first failed probe (status and body, or the
// error), or is "" if none failed.
func (p *Prober) FirstFailure() string {
	if s := p.first.Load(); s != nil {
		return *s
	}
	return ""
}

// RefuseAll is an API that fails the test on any request it gets, for the
// checks that must send nothing (validation, bad flags). It returns its
// URL and the number of requests it got.
func RefuseAll(t testing.TB) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		t.Errorf("simtest: a request was sent where none may be: %s %s", r.Method, r.URL.Path)
		http.Error(w, "no request may be sent here", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}
