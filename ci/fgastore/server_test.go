package fgastore

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/fgastore/local"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Close()
	}
	os.Exit(code)
}

// shared is one local OpenFGA for the tests that need a server, started
// by the first of them. Each test works in stores of its own.
var shared struct {
	once sync.Once
	srv  *local.OpenFGA
	err  error
}

func openfgaBinary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("OPENFGA_BIN")
	if bin == "" {
		t.Skip("OPENFGA_BIN is not set: build OpenFGA (go run . build -o /tmp/openfga) and set OPENFGA_BIN to test against real OpenFGA")
	}
	return bin
}

func server(t testing.TB) Endpoint {
	t.Helper()
	bin := openfgaBinary(t)
	shared.once.Do(func() { shared.srv, shared.err = local.Start(context.Background(), bin) })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return Endpoint{URL: shared.srv.URL(), HTTP: shared.srv.HTTPClient()}
}

func load(t testing.TB, path string) *File {
	t.Helper()
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
