package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// TestMain lets simtest remove what the tests built.
func TestMain(m *testing.M) { os.Exit(simtest.Main(m)) }

func TestTokenFromEnv(t *testing.T) {
	for _, k := range TokenEnv {
		t.Setenv(k, "")
	}
	t.Setenv("KRAFTCLOUD_TOKEN", testToken)
	if v := (&conn{}).tokenOrEnv(); v != testToken {
		t.Fatalf("token %q, want KRAFTCLOUD_TOKEN's", v)
	}
	t.Setenv("UKC_TOKEN", "x")
	if v := (&conn{}).tokenOrEnv(); v != "x" {
		t.Fatalf("UKC_TOKEN should win, got %q", v)
	}
	if v := (&conn{token: "flag"}).tokenOrEnv(); v != "flag" {
		t.Fatalf("--token should win, got %q", v)
	}
}

func TestConnFlags(t *testing.T) {
	var asked string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = r.URL.Path
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"quotas":[{"used":{},"hard":{},"limits":{"min_memory_mb":16,"max_memory_mb":4096}}]}}`))
	}))
	defer srv.Close()
	var c conn
	fs := newFlags("x", &strings.Builder{})
	c.register(fs)
	if err := fs.Parse([]string{"--api", srv.URL + "/v1", "--token", testToken}); err != nil {
		t.Fatal(err)
	}
	cl, err := c.client(&strings.Builder{})
	if err != nil || cl.Endpoint() != srv.URL {
		t.Fatal(cl, err)
	}
	if _, err := cl.Quotas(context.Background()); err != nil || asked != "/v1/users/quotas" {
		t.Fatal(asked, err)
	}
	c.metro = "fra"
	if _, err := c.client(&strings.Builder{}); err == nil {
		t.Fatal("--metro with --api accepted")
	}
	t.Setenv("UKC_METRO", "dal")
	if ep, err := (&conn{}).endpoint(); err != nil || ep != "dal" {
		t.Fatalf("metro from the environment: %q %v", ep, err)
	}
	var usage strings.Builder
	fs.SetOutput(&usage)
	fs.PrintDefaults()
	if strings.Contains(usage.String(), testToken) || strings.Contains(usage.String(), "s3cr3t") {
		t.Fatalf("usage shows the token:\n%s", usage.String())
	}
}

// Main runs the named command and derives the usage from the table.
func TestMainTable(t *testing.T) {
	ran := ""
	cmds := []Command{
		{Name: "one", Summary: "the first", Run: func(args []string, _, _ io.Writer) int { ran = "one " + strings.Join(args, " "); return 0 }},
		{Name: "two", Summary: "the second", Run: func([]string, io.Writer, io.Writer) int { return 1 }},
	}
	var errb strings.Builder
	if code := Main(cmds, []string{"one", "a", "b"}, io.Discard, &errb); code != 0 || ran != "one a b" {
		t.Errorf("one: exit %d, ran %q", code, ran)
	}
	if code := Main(cmds, []string{"two"}, io.Discard, &errb); code != 1 {
		t.Errorf("two: exit %d", code)
	}
	for _, args := range [][]string{nil, {"three"}, {"-h"}} {
		errb.Reset()
		if code := Main(cmds, args, io.Discard, &errb); code != 2 || !strings.Contains(errb.String(), "one        the first") || !strings.Contains(errb.String(), "two        the second") {
			t.Errorf("%q: exit %d, usage %q", args, code, errb.String())
		}
	}
}
