package deploy

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/poll"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// Verifying during a rollout: the old and the new instances share the
// FQDN and the platform's front balances requests between them, while the
// memory datastore is per instance. So the proof is layered:
//   - the API must report the new instance running, and still running after
//     the watch period and again after the checks (watch, final check), and
//     listening (net_time_us > 0, see waitServing) before any FQDN check,
//     since the old instances would answer those for it;
//   - /healthz is asked several times through the FQDN (more times than there
//     are backends), so a new instance that answers badly shows up;
//   - the round trip creates a store on whichever instance answers; a later
//     step that lands on another instance gets "store not found" (404) or
//     "authorization_model_not_found" (400), or 401 if the old one has
//     another key, so the transport retries just that request, a bounded
//     number of times, until it reaches the instance that has the model.
//     (The model is written once, and tuples only where the model is, so
//     one instance holds both and the checks' answers are meaningful.)
//   - the instance that holds the model may go away while the round trip
//     runs (a racing deploy that lost removes its instances): then no
//     repeat can reach it, and the round trip starts over on a new store.
// What this cannot prove is that the round trip ran on the new instance;
// with one instance (a first deploy) it necessarily did. Measured in the
// simulator (round-robin front): no request failed during a rollout.

// verifier proves that OpenFGA serves through the public FQDN.
type verifier struct {
	client *kraftcloud.Client
	log    *progress
	front  front
	auth   auth
	t      Timeouts
}

// credential is what the verification authenticates with: the first
// preshared key, a token from the OIDC issuer, or nothing.
func (v *verifier) credential(ctx context.Context) (string, error) {
	o := v.auth.oidc
	if o == nil {
		return v.auth.key(), nil
	}
	cc := verify.ClientCredentials{Issuer: o.Issuer, TokenURL: o.TokenURL, ClientID: o.ClientID, ClientSecret: o.ClientSecret, Audience: o.Audience}
	tok, err := cc.Token(ctx)
	if err != nil {
		return "", fmt.Errorf("verify: a token for the OIDC audience %s: %w", o.Audience, err)
	}
	return tok, nil
}

// fqdnClient is an HTTPS client for the public FQDN: it trusts the CA
// given (the simulator's) besides the system's, and with connectTo it
// sends the FQDN's connections to that address, like curl --connect-to.
// others is how many other instances share the FQDN (see otherBackend).
func (v *verifier) fqdnClient(fqdn, key string, others int, seen *misroutes) *verify.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if len(v.front.caPEM) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		pool.AppendCertsFromPEM(v.front.caPEM)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	if to := v.front.connectTo; to != "" {
		tr.Proxy = nil
		dialer := &net.Dialer{Timeout: 10 * time.Second}
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if host, _, err := net.SplitHostPort(addr); err == nil && strings.EqualFold(host, fqdn) {
				addr = to
			}
			return dialer.DialContext(ctx, network, addr)
		}
	}
	// Short-lived connections: each request is balanced anew, as a fresh
	// client's would be.
	tr.DisableKeepAlives = true
	rt := &otherBackend{base: tr, attempts: 4 * (others + 1), also401: others > 0, seen: seen}
	return &verify.Client{BaseURL: "https://" + fqdn, HTTP: &http.Client{Transport: rt, Timeout: 15 * time.Second}, Key: key}
}

// otherBackend retries a request on a store that another instance
// answered (see the comment at the top of this file).
type otherBackend struct {
	base     http.RoundTripper
	attempts int
	also401  bool
	seen     *misroutes
}

// misroutes counts the requests that reached an instance without their
// store or model: those repeated, and those still misrouted at the last
// attempt (the instance that has the store is gone, or never answered).
type misroutes struct{ repeated, gaveUp atomic.Int64 }

func (t *otherBackend) RoundTrip(req *http.Request) (*http.Response, error) {
	for i := 1; ; i++ {
		r := req
		if i > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(req.Context())
			r.Body = body
		}
		resp, err := t.base.RoundTrip(r)
		if err != nil || !t.misrouted(req, resp) {
			return resp, err
		}
		if i >= t.attempts {
			t.seen.gaveUp.Add(1)
			return resp, nil
		}
		t.seen.repeated.Add(1)
	}
}

// misrouted reads a 400/404 answer (or a 401 during a rollout: an earlier
// instance that does not know the new key, as when a key rotates) about
// a store: another instance, which does not have the store or its model
// ("store not found", "authorization_model_not_found"), answered. It
// leaves resp readable when it says no.
func (t *otherBackend) misrouted(req *http.Request, resp *http.Response) bool {
	if req.URL.Path != "/stores" && !strings.HasPrefix(req.URL.Path, "/stores/") {
		return false
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized && t.also401:
		return true
	case resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusBadRequest:
		return false
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	low := bytes.ToLower(b)
	return bytes.Contains(low, []byte("not found")) || bytes.Contains(low, []byte("not_found"))
}

// serves proves that OpenFGA serves through https://fqdn: every new
// instance listens, /healthz answers, a full authorization round trip
// passes, then /healthz again several times. The platform's load
// balancer picks the instance each request reaches, so no request can
// name one: each new instance must be running and report its listening
// socket to the API, and the repeated health checks, more than twice as
// many as there are instances behind the FQDN, reach them all in turn. It
// records the health and round-trip parts of the verification in timings.
//
// alive is asked about each new instance as it is seen: an instance that
// stopped or restarted since it ran fails the verification there.
func (v *verifier) serves(ctx context.Context, refs []api.Ref, fqdn string, old int, timings *Timings, alive aliveFunc) error {
	ctx, cancel := context.WithTimeout(ctx, v.t.Verify)
	defer cancel()
	var seen misroutes
	others := old + len(refs) - 1 // what else may answer a request meant for one instance
	key, err := v.credential(ctx)
	if err != nil {
		return err
	}
	c := v.fqdnClient(fqdn, key, others, &seen)

	v.log.Printf("verify: wait until the instances listen, then https://%s/healthz", fqdn)
	start := time.Now()
	for i, ref := range refs {
		if err = v.waitServing(ctx, i, ref, others, c, alive); err != nil {
			break
		}
	}
	if err == nil {
		err = c.WaitHealthy(ctx, 300*time.Millisecond)
	}
	timings.Health = since(start)
	if err != nil {
		return err
	}
	v.log.Printf("verify: authorization round trip (store, model, tuple, check allowed and denied)")
	start = time.Now()
	err = v.roundTrip(ctx, c, &seen)
	timings.RoundTrip = since(start)
	if err != nil {
		return err
	}
	if n := seen.repeated.Load(); n > 0 {
		v.log.Printf("verify: %d request(s) reached another instance of the group and were repeated", n)
	}
	repeats := 2*(others+1) + 1
	for i := range repeats {
		if err := c.Health(ctx); err != nil {
			return fmt.Errorf("health check %d of %d through the FQDN: %w", i+1, repeats, err)
		}
	}
	return nil
}

// waitServing waits until the new instance serves. With other instances
// in the group the FQDN's answers prove nothing about the new one, so the
// API must report its first listening socket (net_time_us > 0: the time
// to the first listening socket, in the platform's Instance object);
// alone, an answer through the FQDN is its answer. Meanwhile the instance
// must stay running: OpenFGA retries an unreachable datastore for about a
// minute before it exits 2, all that time "running" and not listening.
func (v *verifier) waitServing(ctx context.Context, i int, ref api.Ref, others int, c *verify.Client, alive aliveFunc) error {
	err := poll.Until(ctx, 500*time.Millisecond, 0, func(ctx context.Context) (bool, error) {
		inst, err := v.client.GetInstance(ctx, ref)
		if err != nil {
			return false, err
		}
		if err := alive(ctx, i, inst); err != nil {
			return false, fmt.Errorf("before it served: %w", err)
		}
		switch {
		case inst.NetTimeUs > 0:
			return true, nil
		case others > 0:
			return false, nil
		}
		hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return c.Health(hctx) == nil, nil
	})
	if err != nil && ctx.Err() != nil {
		if others > 0 {
			return errors.New("the new instance never opened a listening socket (net_time_us stayed 0) while the earlier deployment answered the FQDN")
		}
		return fmt.Errorf("the instance did not answer https://FQDN/healthz in time: %w", ctx.Err())
	}
	return err
}

// aliveFunc checks that the i-th new instance, as inst shows it, still
// runs the boot it ran at first.
type aliveFunc func(ctx context.Context, i int, inst api.Instance) error

// roundTrip tries the round trip a few times: a gateway hiccup (502/503)
// on one request, or the instance with its store gone half-way (seen, c's
// misroutes, counts a request given up on), should not fail a
// deployment; a wrong answer should.
func (v *verifier) roundTrip(ctx context.Context, c *verify.Client, seen *misroutes) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		lost := seen.gaveUp.Load()
		err = c.RoundTrip(ctx)
		if err == nil || ctx.Err() != nil || !gatewayHiccup(err) && seen.gaveUp.Load() == lost {
			return err
		}
		v.log.Printf("verify: round trip attempt %d: %v", attempt, err)
		if err := poll.Sleep(ctx, 500*time.Millisecond); err != nil {
			return err
		}
	}
	return err
}

func gatewayHiccup(err error) bool {
	s := err.Error()
	return strings.Contains(s, "HTTP 502") || strings.Contains(s, "HTTP 503") || strings.Contains(s, "HTTP 504") ||
		strings.Contains(s, "connection reset") || strings.Contains(s, "EOF")
}

// persistence proves, for a persistent datastore that deployments share
// (a database the datastore prepared), that the data outlives a rollout:
// once the earlier instances are gone, so that only the new one answers,
// the tuple the earlier deployment left (verify.Marker) must still be
// allowed through the FQDN. Then this deployment leaves it for the next
// one. It returns what it found, for the record.
func (v *verifier) persistence(ctx context.Context, fqdn string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, v.t.Verify)
	defer cancel()
	key, err := v.credential(ctx)
	if err != nil {
		return "", err
	}
	c := v.fqdnClient(fqdn, key, 0, &misroutes{})
	var found string
	_, err = c.CheckMarker(ctx)
	switch {
	case errors.Is(err, verify.ErrNoMarker):
		found = "first deployment on this datastore: a marker tuple is written for the next one to check"
	case err != nil:
		return "", err
	default:
		found = "the tuple written before this deployment is still allowed"
	}
	v.log.Printf("verify: persistence: %s", found)
	_, err = c.WriteMarker(ctx)
	return found, err
}
