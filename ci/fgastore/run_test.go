package fgastore

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/openfga/go-sdk/client"
)

// The documents store passes every test: a modular model, tuples from
// YAML, JSON and CSV, a condition with context, a wildcard, a userset.
func TestGateDocs(t *testing.T) {
	f := load(t, "testdata/docs/store.fga.yaml")
	r, err := Gate(context.Background(), openfgaBinary(t), f)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + r.Text())
	if r.Failed() {
		t.Fatal("the documents store failed its tests")
	}
	kinds := map[string]int{}
	for _, tr := range r.Tests {
		for _, a := range tr.Assertions {
			kinds[a.Kind]++
		}
	}
	// check entries expand to users × objects × relations
	if kinds[KindCheck] != 3+4+1+2+1+1+1+2 || kinds[KindListObjects] != 3 || kinds[KindListUsers] != 3 {
		t.Errorf("assertions by kind: %v", kinds)
	}
	if !strings.HasSuffix(r.Text(), "testdata/docs/store.fga.yaml: 2/2 tests passing, 21/21 assertions passing\n") {
		t.Errorf("summary:\n%s", r.Text())
	}
}

// A failing test names each failing assertion; the test beside it passes;
// no test store is left behind.
func TestRunTestsFailing(t *testing.T) {
	at := server(t)
	f := load(t, "testdata/failing/store.fga.yaml")
	r, err := RunTests(context.Background(), at, f)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Failed() || !r.Tests[0].Failed() || r.Tests[1].Failed() {
		t.Fatalf("failed: %v, by test: %v %v", r.Failed(), r.Tests[0].Failed(), r.Tests[1].Failed())
	}
	var failing []string
	for _, a := range r.Tests[0].Assertions {
		if !a.Passed {
			failing = append(failing, a.String())
		}
	}
	want := []string{
		"user:carl owner document:specs: got true, want false",
		"user:anne viewer document: got [document:specs], want [document:roadmap document:specs] (missing document:roadmap)",
		"user viewer document:specs: got [user:anne user:carl], want [user:anne] (unexpected user:carl)",
	}
	if strings.Join(failing, "\n") != strings.Join(want, "\n") {
		t.Errorf("failing assertions:\n%s\nwant\n%s", strings.Join(failing, "\n"), strings.Join(want, "\n"))
	}
	text := r.Text()
	for _, line := range []string{
		"FAIL wrong expectations (1/4 passing)\n  check user:carl owner document:specs: got true, want false\n",
		"PASS right expectations (2/2 passing)\n",
		"testdata/failing/store.fga.yaml: 1/2 tests passing, 3/6 assertions passing\n",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("text lacks %q:\n%s", line, text)
		}
	}
	b, err := json.Marshal(r.Tests[0].Assertions[0])
	if err != nil || string(b) != `{"kind":"check","user":"user:carl","relation":"owner","object":"document:specs","want":false,"got":true,"passed":false}` {
		t.Errorf("JSON: %s %v", b, err)
	}
	c, err := at.client()
	if err != nil {
		t.Fatal(err)
	}
	name := testStoreName
	stores, err := c.ListStores(context.Background()).Options(client.ClientListStoresOptions{Name: &name}).Execute()
	if err != nil || len(stores.Stores) != 0 {
		t.Errorf("test stores left: %+v %v", stores, err)
	}
}

// A request the server refuses is a failing assertion with the server's
// reason, not the end of the run.
func TestRunTestsRequestError(t *testing.T) {
	f := load(t, "testdata/failing/store.fga.yaml")
	f.Tests = f.Tests[1:]
	f.Tests[0].Checks[0].Context = map[string]any{"x": 1}    // the model has no condition: fine
	f.Tests[0].Checks[0].Users = []string{"user:anne#owner"} // user has no relation owner
	r, err := RunTests(context.Background(), server(t), f)
	if err != nil {
		t.Fatal(err)
	}
	a := r.Tests[0].Assertions[0]
	t.Log(a)
	if a.Passed || a.Got != nil || a.Error == "" || !strings.Contains(a.String(), "user:anne#owner owner document:specs with context {\"x\":1}: error: ") {
		t.Errorf("%+v\n%s", a, a)
	}
}

// The server refusing the model ends the run with its reason and the file.
func TestRunTestsModelRefused(t *testing.T) {
	f := load(t, "testdata/failing/store.fga.yaml")
	f.Model.SchemaVersion = "1.0"
	_, err := RunTests(context.Background(), server(t), f)
	if err == nil || !strings.HasPrefix(err.Error(), `testdata/failing/store.fga.yaml: test "wrong expectations": the server refused the model: `) {
		t.Fatalf("got %v", err)
	}
	t.Log(err)
}
