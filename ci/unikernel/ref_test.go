package unikernel

import (
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestParseRef(t *testing.T) {
	good := map[string]string{
		"index.unikraft.io/acme/openfga:latest": "index.unikraft.io/acme/openfga:latest",
		"index.unikraft.io/acme/openfga":        "index.unikraft.io/acme/openfga:latest",
		"127.0.0.1:5000/acme/open-fga:v1.11.0":  "127.0.0.1:5000/acme/open-fga:v1.11.0",
		"localhost:5000/a_b/c.d:T_1":            "localhost:5000/a_b/c.d:T_1",
		"[::1]:5000/acme/openfga:x":             "[::1]:5000/acme/openfga:x",
	}
	for in, want := range good {
		r, err := ParseRef(in)
		if err != nil || r.String() != want {
			t.Errorf("ParseRef(%q) = %q, %v; want %q", in, r, err, want)
		}
	}
	bad := []string{
		"acme/openfga",                                    // no registry
		"index.unikraft.io/openfga:latest",                // no user
		"index.unikraft.io/a/b/c:latest",                  // nested
		"index.unikraft.io/acme/OpenFGA:latest",           // upper case
		"index.unikraft.io/acme/-fga:latest",              // leading separator
		"index.unikraft.io/acme/open..fga",                // double dot
		"index.unikraft.io/acme/openfga:",                 // empty tag
		"index.unikraft.io/acme/openfga:.x",               // tag starts with .
		"index.unikraft.io/robot$acme.users.kraftcloud/x", // robot user
		"index.unikraft.io:99999/acme/openfga",            // port
		"bad_host!/acme/openfga",
		"index.unikraft.io/acme/openfga:" + strings.Repeat("t", 129),
	}
	for _, in := range bad {
		if r, err := ParseRef(in); err == nil {
			t.Errorf("ParseRef(%q) accepted: %v", in, r)
		}
	}
}

func TestRefForms(t *testing.T) {
	r, err := NewRef("index.unikraft.io", "acme", "openfga", "")
	if err != nil {
		t.Fatal(err)
	}
	h, _ := v1.NewHash("sha256:" + strings.Repeat("ab", 32))
	eq(t, "Repository", r.Repository(), "index.unikraft.io/acme/openfga")
	eq(t, "String", r.String(), "index.unikraft.io/acme/openfga:latest")
	eq(t, "WithDigest", r.WithDigest(h), "index.unikraft.io/acme/openfga@"+h.String())
	eq(t, "PlatformImage", r.PlatformImage(h), "acme/openfga@"+h.String())
}

func TestBuildRefusesBadRefBeforeAnything(t *testing.T) {
	_, err := Build(&Runtime{}, nil, Spec{Ref: Ref{Registry: "index.unikraft.io", User: "acme", Name: "Bad Name", Tag: "x"}})
	if err == nil || !strings.Contains(err.Error(), "image name") {
		t.Fatalf("got %v", err)
	}
}

func TestRuntimeRef(t *testing.T) {
	for in, want := range map[string]string{
		"base-compat:latest":                  "index.unikraft.io/official/base-compat:latest",
		"base-compat":                         "index.unikraft.io/official/base-compat",
		"acme/runtime:1":                      "index.unikraft.io/acme/runtime:1",
		"unikraft.io/official/base:latest":    "index.unikraft.io/official/base:latest",
		"index.unikraft.io/official/base":     "index.unikraft.io/official/base",
		"127.0.0.1:5000/official/base-compat": "127.0.0.1:5000/official/base-compat",
		"localhost/official/base-compat":      "localhost/official/base-compat",
	} {
		eq(t, in, RuntimeRef("index.unikraft.io", in), want)
	}
}
