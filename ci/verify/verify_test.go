package verify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// These cover the error paths; the success path runs against a real OpenFGA
// in the engine-backed tests (ci/e2e).

func TestHealthWantsServing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"status":"NOT_SERVING"}`))
	}))
	defer srv.Close()
	err := (&Client{BaseURL: srv.URL}).Health(context.Background())
	if err == nil || !strings.Contains(err.Error(), `"NOT_SERVING", want SERVING`) {
		t.Fatalf("Health = %v", err)
	}
}

func TestUnauthorizedNamesTheKeyButNeverShowsIt(t *testing.T) {
	const key = "s3cr3t-preshared-key"
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"code":"unauthenticated","message":"unauthenticated"}`))
	}))
	defer srv.Close()
	err := (&Client{BaseURL: srv.URL, Key: key}).RoundTrip(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") || !strings.Contains(err.Error(), "preshared key") {
		t.Fatalf("RoundTrip = %v", err)
	}
	if strings.Contains(err.Error(), key) {
		t.Fatalf("the key leaked into the error: %v", err)
	}
	if got != "Bearer "+key {
		t.Fatalf("Authorization header = %q", got)
	}
}

func TestCheckMismatchIsAnError(t *testing.T) {
	// a server that allows everything: the unwritten tuple must make the round trip fail
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json") // as OpenFGA answers; the go-sdk wants it
		switch {
		case r.URL.Path == "/stores":
			w.Write([]byte(`{"id":"01ARZ3NDEKTSV4RRFFQ69G5FAV"}`))
		case strings.HasSuffix(r.URL.Path, "/authorization-models"):
			w.Write([]byte(`{"authorization_model_id":"01ARZ3NDEKTSV4RRFFQ69G5FAW"}`))
		case strings.HasSuffix(r.URL.Path, "/check"):
			w.Write([]byte(`{"allowed":true}`))
		default:
			w.Write([]byte(`{}`))
		}
	}))
	defer srv.Close()
	err := (&Client{BaseURL: srv.URL}).RoundTrip(context.Background())
	if err == nil || !strings.Contains(err.Error(), "check user:bob viewer document:roadmap: allowed=true, want false") {
		t.Fatalf("RoundTrip = %v", err)
	}
}

// A TLS front answers a request its instance cannot take with its own
// HTML page; the error must carry the status a rollout tells a hiccup by.
func TestGatewayErrorKeepsItsStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
	}))
	defer srv.Close()
	err := (&Client{BaseURL: srv.URL}).RoundTrip(context.Background())
	if err == nil || !strings.Contains(err.Error(), "POST /stores: HTTP 502") {
		t.Fatalf("RoundTrip = %v", err)
	}
}
