package kraftcloud

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Test credentials: a well-formed token whose secret is easy to search for.
const (
	testUser   = "robot$acme.users.kraftcloud"
	testSecret = "s3cr3t-do-not-leak"
)

var testToken = base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testSecret))

// seen is one request the fake API received.
type seen struct {
	Method, Path, Query, Body, Auth, Accept, ContentType string
}

// reply is one scripted answer.
type reply struct {
	status int
	header map[string]string
	body   string
}

// fakeAPI answers with a script, one reply per request (the last repeats),
// and records every request.
type fakeAPI struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	script  []reply
	handler func(w http.ResponseWriter, r *http.Request, body string) bool
	reqs    []seen
}

func newFakeAPI(t *testing.T, script ...reply) *fakeAPI {
	f := &fakeAPI{t: t, script: script}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, seen{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Get("Authorization"), r.Header.Get("Accept"), r.Header.Get("Content-Type")})
	var rep reply
	if len(f.script) > 0 {
		rep = f.script[0]
		if len(f.script) > 1 {
			f.script = f.script[1:]
		}
	}
	h := f.handler
	f.mu.Unlock()
	if h != nil && h(w, r, string(b)) {
		return
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	if rep.status == 0 {
		rep.status = http.StatusOK
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	io.WriteString(w, rep.body)
}

func (f *fakeAPI) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

// sleeps records backoff delays instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// testClient is a client of f that records its sleeps and log lines.
func testClient(t *testing.T, f *fakeAPI, opts ...Option) (*Client, *sleeps, *[]string) {
	t.Helper()
	s := &sleeps{}
	var logs []string
	var mu sync.Mutex
	base := []Option{
		WithSleep(s.sleep),
		WithRetry(RetryPolicy{Attempts: 4, Base: 100 * time.Millisecond, Max: time.Second, Total: 10 * time.Second}),
		WithLogf(func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			logs = append(logs, sprintf(format, args...))
		}),
	}
	c, err := New(f.srv.URL, testToken, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, s, &logs
}
