package deploy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// twoBackends plays a rollout: requests alternate between two OpenFGA-like
// memory stores, as the front balances them. The store and its model live
// on whichever backend created them; the other answers like OpenFGA does.
type twoBackends struct {
	mu     sync.Mutex
	next   int
	stores [2]map[string]bool // store id -> has the tuple
	models [2]map[string]bool
	// dropModelHolder: the backend that takes the first model goes away
	// then, and only the other answers (only is that one, plus one).
	dropModelHolder bool
	only            int
	denyAll         bool // every check answers allowed=false
}

// The IDs OpenFGA would give (the go-sdk checks they are ULIDs).
const (
	storeULID = "01JDKZ6S1Z3G3S3W6Q0F6T9Z3A"
	modelULID = "01JDKZ6S1Z3G3S3W6Q0F6T9Z3B"
)

func (b *twoBackends) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json") // as OpenFGA answers
	i := b.next % 2
	b.next++
	if b.only > 0 {
		i = b.only - 1
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/healthz":
		w.Write([]byte(`{"status":"SERVING"}`))
	case r.Method == "POST" && r.URL.Path == "/stores":
		b.stores[i][storeULID] = false
		w.Write([]byte(`{"id":"` + storeULID + `"}`))
	case len(parts) == 3 && parts[2] == "authorization-models":
		b.models[i][modelULID] = true // OpenFGA writes a model even for a store it does not know
		if b.dropModelHolder {
			b.dropModelHolder, b.only = false, 2-i
			b.stores[i], b.models[i] = map[string]bool{}, map[string]bool{}
		}
		w.Write([]byte(`{"authorization_model_id":"` + modelULID + `"}`))
	case len(parts) == 3 && !b.models[i][modelULID]:
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"code":"authorization_model_not_found","message":"Authorization Model '` + modelULID + `' not found"}`))
	case len(parts) == 3 && parts[2] == "write":
		b.stores[i][storeULID] = true
		w.Write([]byte(`{}`))
	case len(parts) == 3 && parts[2] == "check":
		allowed := b.stores[i][storeULID] && strings.Contains(readAll(r), "anne") && !b.denyAll
		w.Write([]byte(`{"allowed":` + map[bool]string{true: "true", false: "false"}[allowed] + `}`))
	case len(parts) == 2 && r.Method == "DELETE":
		if _, ok := b.stores[i][storeULID]; !ok {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"code":"store_id_not_found","message":"store not found"}`))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func readAll(r *http.Request) string {
	var b strings.Builder
	buf := make([]byte, 512)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// During a rollout the round trip's steps land on either instance; the
// misrouted ones are repeated until they reach the one with the model.
func TestRoundTripAcrossTwoInstances(t *testing.T) {
	b := &twoBackends{stores: [2]map[string]bool{{}, {}}, models: [2]map[string]bool{{}, {}}}
	srv := httptest.NewServer(b)
	defer srv.Close()
	var seen misroutes
	rt := &otherBackend{base: http.DefaultTransport, attempts: 8, also401: true, seen: &seen}
	c := &verify.Client{BaseURL: srv.URL, HTTP: &http.Client{Transport: rt}}
	if err := c.RoundTrip(context.Background()); err != nil {
		t.Fatal(err)
	}
	if seen.repeated.Load() == 0 {
		t.Fatal("no request was repeated: the test does not exercise the rollout case")
	}
	t.Logf("%d requests repeated", seen.repeated.Load())

	// with one attempt only, the same exchange fails: the retry is what helps
	b = &twoBackends{stores: [2]map[string]bool{{}, {}}, models: [2]map[string]bool{{}, {}}}
	srv2 := httptest.NewServer(b)
	defer srv2.Close()
	c = &verify.Client{BaseURL: srv2.URL, HTTP: &http.Client{Transport: &otherBackend{base: http.DefaultTransport, attempts: 1, seen: &seen}}}
	if err := c.RoundTrip(context.Background()); err == nil {
		t.Fatal("round trip passed without retries")
	}
}

// The instance that took the model goes away half-way, as a racing deploy
// that lost removes its instances: no repeat reaches the model, so the
// round trip starts over on a new store and passes on the instance left.
func TestRoundTripStartsOverWhenTheModelsInstanceGoes(t *testing.T) {
	b := &twoBackends{stores: [2]map[string]bool{{}, {}}, models: [2]map[string]bool{{}, {}}, dropModelHolder: true}
	srv := httptest.NewServer(b)
	defer srv.Close()
	var seen misroutes
	var log strings.Builder
	v := &verifier{log: newProgress(&log, nil)}
	c := &verify.Client{BaseURL: srv.URL, HTTP: &http.Client{Transport: &otherBackend{base: http.DefaultTransport, attempts: 8, seen: &seen}}}
	if err := v.roundTrip(context.Background(), c, &seen); err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if seen.gaveUp.Load() == 0 || !strings.Contains(log.String(), "round trip attempt 1") {
		t.Fatalf("the first round trip did not lose its model (gave up %d)\n%s", seen.gaveUp.Load(), log.String())
	}

	// a wrong answer still fails, however many attempts there are
	b = &twoBackends{stores: [2]map[string]bool{{}, {}}, models: [2]map[string]bool{{}, {}}, denyAll: true}
	srv2 := httptest.NewServer(b)
	defer srv2.Close()
	c.BaseURL = srv2.URL
	if err := v.roundTrip(context.Background(), c, &seen); err == nil || !strings.Contains(err.Error(), "allowed=false, want true") {
		t.Fatalf("a backend that allows nothing: %v", err)
	}
}

func TestSecretsAreRedacted(t *testing.T) {
	env := map[string]string{
		"OPENFGA_DATASTORE_URI":      "postgres://u:pw-in-url-123@db:5432/x",
		"OPENFGA_DATASTORE_PASSWORD": "plain-password-456",
		"MY_API_KEY":                 "api-key-789",
		"OPENFGA_LOG_LEVEL":          "info",
	}
	got := secretValues(env)
	for _, want := range []string{"pw-in-url-123", "plain-password-456", "api-key-789"} {
		if !strings.Contains(strings.Join(got, " "), want) {
			t.Errorf("%s not treated as a secret: %v", want, got)
		}
	}
	if strings.Contains(strings.Join(got, " "), "info") {
		t.Errorf("an ordinary value is treated as a secret: %v", got)
	}
}

func TestMetroOf(t *testing.T) {
	for fqdn, want := range map[string]string{
		"openfga.fra.unikraft.app":  "fra",
		"openfga.fra.unikraft.test": "fra",
		"example.com":               "http://127.0.0.1:1",
	} {
		if got := metroOf(fqdn, "http://127.0.0.1:1"); got != want {
			t.Errorf("metroOf(%s) = %s, want %s", fqdn, got, want)
		}
	}
}
