// Package verify proves that an OpenFGA endpoint serves: its health check,
// then a real authorization round trip (store → model → tuple → check). It is
// what "deployed" means in this project, for `serve` locally and for a
// KraftCloud instance behind its TLS front.
package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	openfga "github.com/openfga/go-sdk"
	"github.com/openfga/go-sdk/client"
	"github.com/openfga/go-sdk/credentials"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/poll"
)

// Client talks to one OpenFGA HTTP endpoint.
type Client struct {
	BaseURL string       // e.g. https://openfga.fra.unikraft.app
	HTTP    *http.Client // nil: http.DefaultClient
	Key     string       // preshared key; empty when authentication is off
}

// Health checks GET /healthz answers {"status":"SERVING"}.
func (c *Client) Health(ctx context.Context) error {
	var out struct {
		Status string `json:"status"`
	}
	if err := c.getJSON(ctx, "/healthz", &out); err != nil {
		return err
	}
	if out.Status != "SERVING" {
		return fmt.Errorf("healthz: status %q, want SERVING", out.Status)
	}
	return nil
}

// WaitHealthy polls Health until it passes or ctx ends, and returns the last error.
func (c *Client) WaitHealthy(ctx context.Context, every time.Duration) error {
	var last error
	err := poll.Until(ctx, every, 0, func(ctx context.Context) (bool, error) {
		last = c.Health(ctx)
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("not healthy before the deadline: %w", last)
	}
	return nil
}

// Verify runs Health and then RoundTrip.
func (c *Client) Verify(ctx context.Context) error {
	if err := c.Health(ctx); err != nil {
		return err
	}
	return c.RoundTrip(ctx)
}

// sdk is the official OpenFGA client for this endpoint. It does not
// retry: callers decide what a failure means (a rollout retries a gateway's
// 502, a verification reports it).
func (c *Client) sdk() (*client.OpenFgaClient, error) {
	cfg := &client.ClientConfiguration{
		ApiUrl:      strings.TrimRight(c.BaseURL, "/"),
		HTTPClient:  c.HTTP,
		RetryParams: &openfga.RetryParams{MaxRetry: 0, MinWaitInMs: 100},
	}
	if c.Key != "" {
		cfg.Credentials = &credentials.Credentials{
			Method: credentials.CredentialsMethodApiToken,
			Config: &credentials.Config{ApiToken: c.Key},
		}
	}
	fga, err := client.NewSdkClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("OpenFGA client for %s: %w", c.BaseURL, err)
	}
	return fga, nil
}

// apiError says which request failed, its HTTP status and the server's
// message: the go-sdk's own error text carries the request body, and its
// status is what a caller tells a gateway's hiccup by. The preshared key is
// in neither.
func apiError(op string, err error) error {
	var resp interface {
		ResponseStatusCode() int
		Body() []byte
	}
	if !errors.As(err, &resp) || resp.ResponseStatusCode() == 0 {
		return fmt.Errorf("%s: %w", op, err)
	}
	status, body := resp.ResponseStatusCode(), resp.Body()
	var e struct{ Message string }
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		body = []byte(e.Message)
	}
	return fmt.Errorf("%s: HTTP %d: %s%s", op, status, snippet(body), hint(status))
}

// getJSON sends GET path and decodes the JSON answer into out.
func (c *Client) getJSON(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.BaseURL, "/")+path, nil)
	if err != nil {
		return err
	}
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("GET %s: HTTP %d: %s%s", path, resp.StatusCode, snippet(raw), hint(resp.StatusCode))
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("GET %s: decode %q: %w", path, snippet(raw), err)
	}
	return nil
}

func hint(status int) string {
	if status == http.StatusUnauthorized {
		return " (authentication is on: pass the preshared key the deployment was given)"
	}
	return ""
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
