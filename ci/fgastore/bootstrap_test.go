package fgastore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/fgastore/local"
	openfga "github.com/openfga/go-sdk"
	"github.com/openfga/go-sdk/client"
)

// docsNamed is the documents store file under another store name, so
// that each test has stores of its own on the shared server.
func docsNamed(t *testing.T, name string) *File {
	f := load(t, "testdata/docs/store.fga.yaml")
	f.Name = name
	return f
}

func readTuple(t *testing.T, at Endpoint, store string, k openfga.TupleKey) bool {
	t.Helper()
	c, err := at.client()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Read(context.Background()).Body(client.ClientReadRequest{User: &k.User, Relation: &k.Relation, Object: &k.Object}).
		Options(client.ClientReadOptions{StoreId: &store}).Execute()
	if err != nil {
		t.Fatal(err)
	}
	return len(resp.Tuples) == 1
}

// A redeploy of an unchanged file changes nothing: same store, same model
// ID, every tuple already there.
func TestBootstrapTwice(t *testing.T) {
	at := server(t)
	f := docsNamed(t, "bootstrap twice")
	first, err := Bootstrap(context.Background(), at, f, "")
	if err != nil {
		t.Fatal(err)
	}
	if !first.StoreCreated || !first.ModelWritten || first.TuplesWritten != len(f.Tuples) || first.TuplesPresent != 0 || first.StoreName != f.Name {
		t.Fatalf("first: %+v", first)
	}
	second, err := Bootstrap(context.Background(), at, f, "")
	if err != nil {
		t.Fatal(err)
	}
	want := Result{StoreID: first.StoreID, StoreName: f.Name, AuthorizationModelID: first.AuthorizationModelID, TuplesPresent: len(f.Tuples)}
	if second != want {
		t.Fatalf("second: %+v\nwant    %+v", second, want)
	}
	// the test's own tuple is not the store's
	if readTuple(t, at, first.StoreID, f.Tests[1].Tuples[0].TupleKey) {
		t.Error("a test's tuple was written")
	}
}

// Tuples the application wrote stay; file tuples that went missing are
// written again, the others counted.
func TestBootstrapAdditive(t *testing.T) {
	at := server(t)
	f := docsNamed(t, "bootstrap additive")
	first, err := Bootstrap(context.Background(), at, f, "")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := at.client()
	apps := openfga.TupleKey{User: "user:zed", Relation: "viewer", Object: "document:roadmap"}
	gone := []openfga.TupleKeyWithoutCondition{
		{User: f.Tuples[1].User, Relation: f.Tuples[1].Relation, Object: f.Tuples[1].Object},
		{User: f.Tuples[7].User, Relation: f.Tuples[7].Relation, Object: f.Tuples[7].Object},
	}
	if _, err := c.Write(context.Background()).Body(client.ClientWriteRequest{Writes: []openfga.TupleKey{apps}, Deletes: gone}).
		Options(client.ClientWriteOptions{StoreId: &first.StoreID}).Execute(); err != nil {
		t.Fatal(err)
	}
	r, err := Bootstrap(context.Background(), at, f, "")
	if err != nil {
		t.Fatal(err)
	}
	if r.StoreID != first.StoreID || r.ModelWritten || r.TuplesWritten != 2 || r.TuplesPresent != len(f.Tuples)-2 {
		t.Fatalf("%+v", r)
	}
	if !readTuple(t, at, r.StoreID, apps) || !readTuple(t, at, r.StoreID, f.Tuples[7].TupleKey) {
		t.Error("the application's tuple or a file tuple is missing")
	}
}

// Two stores with the file's name: refused, naming both, unless the ID of
// one is given; an ID whose store has another name is refused.
func TestBootstrapTwins(t *testing.T) {
	at := server(t)
	f := docsNamed(t, "bootstrap twins")
	c, _ := at.client()
	var ids []string
	for range 2 {
		s, err := c.CreateStore(context.Background()).Body(client.ClientCreateStoreRequest{Name: f.Name}).Execute()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.Id)
	}
	_, err := Bootstrap(context.Background(), at, f, "")
	if err == nil || !strings.Contains(err.Error(), "2 stores have this name: ") || !strings.Contains(err.Error(), ids[0]) || !strings.Contains(err.Error(), ids[1]) {
		t.Fatalf("got %v", err)
	}
	t.Log(err)
	r, err := Bootstrap(context.Background(), at, f, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if r.StoreID != ids[1] || r.StoreCreated || !r.ModelWritten || r.TuplesWritten != len(f.Tuples) {
		t.Fatalf("%+v", r)
	}
	other, _ := c.CreateStore(context.Background()).Body(client.ClientCreateStoreRequest{Name: "another name"}).Execute()
	_, err = Bootstrap(context.Background(), at, f, other.Id)
	if err == nil || !strings.Contains(err.Error(), `store `+other.Id+` is named "another name"; give the ID of a store named "bootstrap twins", or none to find it by name`) {
		t.Fatalf("got %v", err)
	}
	_, err = Bootstrap(context.Background(), at, f, "01JZZZZZZZZZZZZZZZZZZZZZZZ")
	if err == nil || !strings.Contains(err.Error(), "reading store 01JZZZZZZZZZZZZZZZZZZZZZZZ") {
		t.Fatalf("got %v", err)
	}
	t.Log(err)
}

// A changed model is written (a new ID); the tuples stay.
func TestBootstrapModelChange(t *testing.T) {
	at := server(t)
	dir := t.TempDir()
	for _, name := range []string{"store.fga.yaml", "tuples.yaml", "tuples.json", "tuples.csv", "model/fga.mod", "model/core.fga", "model/docs.fga"} {
		b, err := os.ReadFile(filepath.Join("testdata/docs", name))
		if err != nil {
			t.Fatal(err)
		}
		_ = os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := load(t, filepath.Join(dir, "store.fga.yaml"))
	f.Name = "bootstrap model change"
	first, err := Bootstrap(context.Background(), at, f, "")
	if err != nil {
		t.Fatal(err)
	}
	core, _ := os.ReadFile(filepath.Join(dir, "model/core.fga"))
	core = append(core, "\ntype team\n  relations\n    define member: [user]\n"...)
	if err := os.WriteFile(filepath.Join(dir, "model/core.fga"), core, 0o644); err != nil {
		t.Fatal(err)
	}
	f = load(t, filepath.Join(dir, "store.fga.yaml"))
	f.Name = "bootstrap model change"
	r, err := Bootstrap(context.Background(), at, f, "")
	if err != nil {
		t.Fatal(err)
	}
	if r.StoreID != first.StoreID || !r.ModelWritten || r.AuthorizationModelID == first.AuthorizationModelID || r.TuplesWritten != 0 || r.TuplesPresent != len(f.Tuples) {
		t.Fatalf("%+v (first %+v)", r, first)
	}
	again, err := Bootstrap(context.Background(), at, f, "")
	if err != nil || again.ModelWritten || again.AuthorizationModelID != r.AuthorizationModelID {
		t.Fatalf("after the change, unchanged: %+v %v", again, err)
	}
}

// A tuple the store has with another condition context is not silently
// kept: the error names it and both conditions.
func TestBootstrapConditionConflict(t *testing.T) {
	at := server(t)
	f := docsNamed(t, "bootstrap condition conflict")
	if _, err := Bootstrap(context.Background(), at, f, ""); err != nil {
		t.Fatal(err)
	}
	(*f.Tuples[7].Condition.Context)["current_hour"] = 13
	_, err := Bootstrap(context.Background(), at, f, "")
	want := `testdata/docs/tuples.csv:3: the store has user:frank viewer document:specs with condition in_office_hours {"current_hour":12}, the file with condition in_office_hours {"current_hour":13}; Bootstrap only adds tuples: delete the store's or change the file's`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v\nwant …%s", err, want)
	}
}

// olderServer makes the real server look like one before OpenFGA 1.10,
// which drops the unknown on_duplicate, and plays an application that
// writes one of the tuples Bootstrap is about to write, just before it
// does.
type olderServer struct {
	next  *http.Client
	raced bool
}

func (o *olderServer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/write") || req.Body == nil {
		return o.next.Transport.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	var w struct {
		Writes map[string]any `json:"writes"`
		Model  string         `json:"authorization_model_id"`
	}
	if err := json.Unmarshal(body, &w); err == nil && w.Writes["on_duplicate"] == "ignore" {
		delete(w.Writes, "on_duplicate")
		if !o.raced {
			o.raced = true
			first := map[string]any{"writes": map[string]any{"tuple_keys": w.Writes["tuple_keys"].([]any)[:1]}}
			b, _ := json.Marshal(first)
			resp, err := o.next.Post(req.URL.String(), "application/json", bytes.NewReader(b))
			if err != nil || resp.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("the application's write: %v %v", resp, err)
			}
			resp.Body.Close()
		}
		body, _ = json.Marshal(w)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	return o.next.Transport.RoundTrip(req)
}

// On a server without on_duplicate, a tuple the application writes
// between Bootstrap's read and its write is read again, not an error.
func TestBootstrapOlderServer(t *testing.T) {
	at := server(t)
	f := docsNamed(t, "bootstrap older server")
	first, err := Bootstrap(context.Background(), at, f, "")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := at.client()
	var gone []openfga.TupleKeyWithoutCondition
	for _, tu := range f.Tuples[:3] {
		gone = append(gone, openfga.TupleKeyWithoutCondition{User: tu.User, Relation: tu.Relation, Object: tu.Object})
	}
	if _, err := c.Write(context.Background()).Body(client.ClientWriteRequest{Deletes: gone}).
		Options(client.ClientWriteOptions{StoreId: &first.StoreID}).Execute(); err != nil {
		t.Fatal(err)
	}
	older := &olderServer{next: at.HTTP}
	at.HTTP = &http.Client{Transport: older}
	r, err := Bootstrap(context.Background(), at, f, "")
	if err != nil {
		t.Fatal(err)
	}
	if !older.raced || r.TuplesWritten != 2 || r.TuplesPresent != len(f.Tuples)-2 {
		t.Fatalf("raced %v, %+v", older.raced, r)
	}
	for _, tu := range f.Tuples {
		if !readTuple(t, at, r.StoreID, tu.TupleKey) {
			t.Errorf("%s missing", tu)
		}
	}
}

// readCounter counts the reads of one tuple by its key.
type readCounter struct {
	next  http.RoundTripper
	exact atomic.Int32
}

func (c *readCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/read") && req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		if bytes.Contains(body, []byte(`"tuple_key"`)) {
			c.exact.Add(1)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	return c.next.RoundTrip(req)
}

// In a store that holds far more tuples than the file (the application's),
// Bootstrap does not read them all: it writes, and reads one by one only
// the chunk the server says has a tuple already.
func TestBootstrapBusyStore(t *testing.T) {
	at := server(t)
	f := docsNamed(t, "bootstrap busy store")
	first, err := Bootstrap(context.Background(), at, f, "")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := at.client()
	var apps []openfga.TupleKey
	for i := range 300 {
		apps = append(apps, openfga.TupleKey{User: fmt.Sprintf("user:app%d", i), Relation: "viewer", Object: "document:roadmap"})
	}
	if err := writeTuples(context.Background(), c, first.StoreID, first.AuthorizationModelID, apps, ""); err != nil {
		t.Fatal(err)
	}
	gone := []openfga.TupleKeyWithoutCondition{{User: f.Tuples[0].User, Relation: f.Tuples[0].Relation, Object: f.Tuples[0].Object}}
	if _, err := c.Write(context.Background()).Body(client.ClientWriteRequest{Deletes: gone}).
		Options(client.ClientWriteOptions{StoreId: &first.StoreID}).Execute(); err != nil {
		t.Fatal(err)
	}
	counter := &readCounter{next: at.HTTP.Transport}
	at.HTTP = &http.Client{Transport: counter}
	r, err := Bootstrap(context.Background(), at, f, "")
	if err != nil {
		t.Fatal(err)
	}
	if r.TuplesWritten != 1 || r.TuplesPresent != len(f.Tuples)-1 || counter.exact.Load() != int32(len(f.Tuples)) {
		t.Fatalf("%+v, %d reads by key", r, counter.exact.Load())
	}
	if !readTuple(t, at, r.StoreID, apps[299]) || !readTuple(t, at, r.StoreID, f.Tuples[0].TupleKey) {
		t.Error("a tuple is missing")
	}
}

// The preshared key goes with every request; a wrong one fails with the
// server's word for it.
func TestBootstrapPresharedKey(t *testing.T) {
	srv, err := local.Start(context.Background(), openfgaBinary(t),
		"OPENFGA_AUTHN_METHOD=preshared", "OPENFGA_AUTHN_PRESHARED_KEYS=right-key")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	f := docsNamed(t, "bootstrap key")
	at := Endpoint{URL: srv.URL(), Key: "right-key", HTTP: srv.HTTPClient()}
	if r, err := Bootstrap(context.Background(), at, f, ""); err != nil || r.TuplesWritten != len(f.Tuples) {
		t.Fatalf("%+v %v", r, err)
	}
	if r, err := RunTests(context.Background(), at, f); err != nil || r.Failed() {
		t.Fatalf("%v\n%s", err, r.Text())
	}
	for _, key := range []string{"wrong-key", ""} {
		at.Key = key
		_, err := Bootstrap(context.Background(), at, f, "")
		if err == nil || strings.Contains(err.Error(), "right-key") || !strings.Contains(err.Error(), "preshared key") {
			t.Fatalf("key %q: %v", key, err)
		}
		t.Logf("key %q: %v", key, err)
	}
}
