package kraftcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// maxAnswer bounds how much of an answer we read (logs pages are 16 KiB;
// a full instance list is far below this).
const maxAnswer = 32 << 20

// call describes one API operation.
type call struct {
	op     string // human description for errors: "get instance openfga"
	method string
	path   string // e.g. "/v1/instances"
	query  url.Values
	body   any // nil: no body
	kind   api.Kind
	// extra lengthens the per-attempt timeout and the total budget, for
	// calls the server holds open on purpose (wait).
	extra time.Duration
}

// answer is one HTTP exchange's outcome.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do runs the call with retries and decodes the envelope into items of T.
func do[T api.Item](ctx context.Context, c *Client, cl call) ([]T, error) {
	payload, err := encodeBody(cl.body)
	if err != nil {
		return nil, fmt.Errorf("kraftcloud: %s: encoding request: %w", cl.op, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.retry.Total+cl.extra)
	defer cancel()
	ans, err := c.exchangeWithRetry(ctx, cl, payload)
	if err != nil {
		return nil, err
	}
	return decode[T](cl, ans, c.red)
}

// exchangeWithRetry repeats idempotent exchanges that failed transiently.
// It returns the last answer when retries are over, so its envelope (if
// any) is still decoded into a precise error.
func (c *Client) exchangeWithRetry(ctx context.Context, cl call, payload []byte) (answer, error) {
	for attempt := 1; ; attempt++ {
		ans, err := c.exchange(ctx, cl, payload)
		wait, why, again := c.retryDecision(cl, ans, err, attempt)
		if !again {
			return ans, err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// The last answer (or error) is the most precise report.
			c.logf("kraftcloud: %s %s: %s; not retrying: waiting %s would exceed the time budget", cl.method, cl.path, why, wait.Round(time.Millisecond))
			return ans, err
		}
		c.logf("kraftcloud: %s %s: %s; retry %d/%d in %s", cl.method, cl.path, why, attempt, c.retry.Attempts-1, wait.Round(time.Millisecond))
		c.retries.Add(1)
		if serr := c.sleep(ctx, wait); serr != nil {
			return ans, cmpOr(err, serr)
		}
	}
}

// retryDecision says whether and how long to wait before another attempt.
func (c *Client) retryDecision(cl call, ans answer, err error, attempt int) (time.Duration, string, bool) {
	if !idempotent(cl.method) || attempt >= c.retry.Attempts {
		return 0, "", false
	}
	var why string
	switch {
	case err != nil && !errors.Is(err, context.Canceled):
		why = err.Error()
	case err == nil && retryableStatus(ans.status):
		why = fmt.Sprintf("HTTP %d", ans.status)
	default:
		return 0, "", false
	}
	wait := c.retry.backoff(attempt)
	if ra, ok := retryAfter(ans.header, time.Now()); ok {
		wait = ra
	}
	return wait, why, true
}

// cmpOr returns the first non-nil error.
func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// exchange sends one HTTP request and reads the whole answer.
func (c *Client) exchange(ctx context.Context, cl call, payload []byte) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout+cl.extra)
	defer cancel()
	req, err := c.newRequest(ctx, cl, payload)
	if err != nil {
		return answer{}, c.transportError(cl, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, c.transportError(cl, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return answer{}, c.transportError(cl, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

func (c *Client) newRequest(ctx context.Context, cl call, payload []byte) (*http.Request, error) {
	u := c.base + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", c.token.bearer())
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// transportError strips the *url.Error (whose text repeats the URL) and
// scrubs the token from whatever is left.
func (c *Client) transportError(cl call, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := fmt.Sprintf("kraftcloud: %s: %s %s: %v", cl.op, cl.method, cl.path, err)
	return &TransportError{Op: cl.op, Method: cl.method, Path: cl.path, Err: err, msg: c.red.String(msg)}
}

func encodeBody(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}
