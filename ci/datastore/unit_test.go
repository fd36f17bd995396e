package datastore

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

func TestPrivateHostFallsBackToTheIP(t *testing.T) {
	h, _ := privateHost(api.Instance{Name: "x-pg", PrivateFQDN: "x-pg.internal", PrivateIP: "10.0.0.7"})
	if h != "x-pg.internal" {
		t.Errorf("with an FQDN: %s", h)
	}
	// the platform left private_fqdn empty (as it did on fra for an
	// instance deployed with kraft cloud deploy --name postgres)
	h, _ = privateHost(api.Instance{Name: "x-pg", PrivateIP: "10.0.0.7"})
	if h != "10.0.0.7" {
		t.Errorf("without an FQDN: %s", h)
	}
	h, _ = privateHost(api.Instance{Name: "x-pg", NetworkInterfaces: []api.NetworkInterface{{PrivateIP: "10.0.0.8"}}})
	if h != "10.0.0.8" {
		t.Errorf("from the interfaces: %s", h)
	}
	if _, err := privateHost(api.Instance{Name: "x-pg"}); err == nil {
		t.Error("no address at all must be an error")
	}
}

func TestURIAndItsSecrets(t *testing.T) {
	uri := postgresURI("openfga", "p@ss/w:rd", "x-pg.internal", 5432, "openfga")
	if !strings.HasPrefix(uri, "postgres://openfga:") || !strings.HasSuffix(uri, "@x-pg.internal:5432/openfga?sslmode=disable") {
		t.Fatalf("uri %s", uri)
	}
	r := &redact.Redactor{}
	r.Add(uriSecrets(uri)...)
	for _, s := range []string{uri, "p@ss/w:rd", "connect to " + uri[:len(uri)-10]} {
		if strings.Contains(r.String(s), "ss/w") || strings.Contains(r.String(s), "p%40ss") {
			t.Errorf("not redacted: %s", r.String(s))
		}
	}
	if uriHost(uri) != "x-pg.internal" {
		t.Error(uriHost(uri))
	}
}

func TestCheckURINeverQuotesIt(t *testing.T) {
	for _, bad := range []string{"", "mysql://u:secretpw@h/db", "postgres://u:secretpw@/db", "postgres://u@h/db"} {
		err := (&External{URI: bad}).Check()
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "secretpw") {
			t.Errorf("the error quotes the URI: %v", err)
		}
	}
	if err := (&External{URI: "postgres://u:pw@db.example:5432/openfga?sslmode=require"}).Check(); err != nil {
		t.Error(err)
	}
}

func TestMigrateNameIsADNSLabel(t *testing.T) {
	long := strings.Repeat("a", 56)
	for _, n := range []string{"openfga", long} {
		m := migrateName(n)
		if len(m) > 63 || !strings.Contains(m, "-migrate-") {
			t.Errorf("%s: %s (%d)", n, m, len(m))
		}
	}
}

func TestNewPassword(t *testing.T) {
	a, b := newPassword(), newPassword()
	if len(a) != 32 || a == b || strings.ContainsAny(a, "/+=:@") {
		t.Errorf("%s %s", a, b)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	p := &Postgres{Image: "u/pg:15", Password: "hunter2-hunter2"}
	e := &External{URI: "postgres://u:hunter2-hunter2@h:5432/db"}
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%v %+v %#v", p, p, p), fmt.Sprint(e), fmt.Sprintf("%v %+v %#v", e, e, e)} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("printed: %s", s)
		}
	}
}

func TestBootReady(t *testing.T) {
	const boot, ready = "LOG:  starting PostgreSQL 15.20\n", "LOG:  database system is ready to accept connections\n"
	for _, tc := range []struct {
		tail      string
		truncated bool
		want      bool
	}{
		{"creating directory /volume/pgdata.init ... ok\n", false, false}, // initdb still running
		{boot, false, false},
		{boot + ready, false, true},
		{boot + ready + "FATAL: terminating\n" + boot, false, false}, // restarted: the new boot is not ready yet
		{boot + ready + boot + ready, false, true},
		{"LOG:  checkpoint complete\n", true, true}, // up for long: its boot scrolled out
	} {
		if got := bootReady(tc.tail, tc.truncated); got != tc.want {
			t.Errorf("%q truncated=%v: %v, want %v", tc.tail, tc.truncated, got, tc.want)
		}
	}
}

func TestTooLittleMemoryIsRefusedBeforeAnyRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request sent: %s %s", r.Method, r.URL.Path)
	}))
	defer srv.Close()
	c, err := kraftcloud.New(srv.URL, base64.StdEncoding.EncodeToString([]byte("robot$acme.users.kraftcloud:secret")))
	if err != nil {
		t.Fatal(err)
	}
	err = (&Postgres{Image: "acme/openfga-pg:15", MemoryMB: 128}).Prepare(context.Background(), Platform{Client: c, Name: "x", Image: "acme/x@sha256:00"})
	if err == nil || !strings.Contains(err.Error(), "at least 256 MiB") {
		t.Fatalf("got %v", err)
	}
}
