package kraftcloud

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/poll"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"
)

// Client talks to one API endpoint with one token. Build it with New.
type Client struct {
	base    string // API root without "/v1"
	token   Token
	http    *http.Client
	timeout time.Duration // per HTTP attempt
	retry   RetryPolicy
	sleep   func(ctx context.Context, d time.Duration) error
	logf    func(format string, args ...any)
	red     *redact.Redactor // the token, in every form an answer could echo

	forms   *formsWorked  // the forms of operations that worked (forms.go)
	retries *atomic.Int64 // requests sent again after a transient failure
}

// Option configures a Client.
type Option func(*Client) error

// DefaultTimeout bounds one HTTP attempt of a normal call.
const DefaultTimeout = 30 * time.Second

// New validates the endpoint (metro name or URL, see ResolveEndpoint) and
// the token (see ParseToken) before any request is made.
func New(endpoint, token string, opts ...Option) (*Client, error) {
	base, err := ResolveEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	tok, err := ParseToken(token)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:    base,
		token:   tok,
		http:    &http.Client{},
		timeout: DefaultTimeout,
		retry:   DefaultRetry,
		sleep:   poll.Sleep,
		logf:    func(string, ...any) {},
		red:     redact.New(tok.Secrets()...),
		forms:   &formsWorked{m: map[string]int{}},
		retries: &atomic.Int64{},
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Retries is how many requests the client sent again after a transient
// failure (429, 502/503/504, a lost connection), and Retried counts one
// more that its caller sent again (a create, which the client never
// repeats by itself).
func (c *Client) Retries() int64 { return c.retries.Load() }

// Retried counts a request the caller sent again.
func (c *Client) Retried() { c.retries.Add(1) }

// Endpoint is the API root the client talks to.
func (c *Client) Endpoint() string { return c.base }

// Token is the client's parsed token (for registry auth and namespace).
func (c *Client) Token() Token { return c.token }

// WithHTTPClient replaces the HTTP client (its Timeout is left alone; the
// per-attempt timeout comes from WithTimeout).
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) error { c.http = h; return nil }
}

// WithCAFile trusts the PEM certificates in path in addition to nothing
// else: it is meant for the simulator's own CA.
func WithCAFile(path string) Option {
	return func(c *Client) error {
		pem, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("kraftcloud: reading CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("kraftcloud: no PEM certificate in %s", path)
		}
		return WithCertPool(pool)(c)
	}
}

// WithCertPool trusts pool for TLS to the API.
func WithCertPool(pool *x509.CertPool) Option {
	return func(c *Client) error {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		c.http = &http.Client{Transport: tr}
		return nil
	}
}

// WithTimeout bounds each HTTP attempt.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error { c.timeout = d; return nil }
}

// WithRetry replaces the retry policy (tests use tiny delays).
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) error { c.retry = p; return nil }
}

// WithSleep replaces the backoff sleep, so tests can record the delays
// instead of waiting them out.
func WithSleep(f func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) error { c.sleep = f; return nil }
}

// WithLogf receives one line per retry. Lines never carry the token.
func WithLogf(f func(format string, args ...any)) Option {
	return func(c *Client) error { c.logf = f; return nil }
}
