// Package verify proves that an OpenFGA endpoint serves: its health check,
// then a real authorization round trip (store → model → tuple → check). It is
// what "deployed" means in this project, for `serve` locally and for a
// KraftCloud instance behind its TLS front.
package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

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
	if err := c.call(ctx, http.MethodGet, "/healthz", nil, &out); err != nil {
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

// call sends one JSON request and decodes the JSON answer into out (if not nil).
// The preshared key never appears in an error.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: HTTP %d: %s%s", method, path, resp.StatusCode, snippet(raw), hint(resp.StatusCode))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode %q: %w", method, path, snippet(raw), err)
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
