package kraftcloud

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// RetryPolicy bounds the retries of idempotent calls.
type RetryPolicy struct {
	Attempts int           // total attempts, including the first
	Base     time.Duration // first backoff; doubles each retry
	Max      time.Duration // cap of one backoff
	Total    time.Duration // cap of the whole call, sleeps included
}

// DefaultRetry suits an interactive deploy: a few seconds of patience for
// a flapping gateway, a minute at most.
var DefaultRetry = RetryPolicy{Attempts: 6, Base: 500 * time.Millisecond, Max: 8 * time.Second, Total: 60 * time.Second}

// retryableStatus are the answers that mean "try again later" rather than
// "your request is wrong".
func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// idempotent methods can be repeated without doing the work twice. POST
// (create) and PUT (stop, start, attach, detach) are never retried: a lost
// answer may hide a success.
func idempotent(method string) bool {
	return method == http.MethodGet || method == http.MethodDelete
}

// backoff is the delay before retry n (n=1 for the first retry): the
// exponential step with "equal jitter", so it is never zero and never
// synchronised with other clients.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.Base << (n - 1)
	if d > p.Max || d <= 0 {
		d = p.Max
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// retryAfter parses Retry-After (delta seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}
