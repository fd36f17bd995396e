package gobuild

import (
	"slices"
	"strings"
	"testing"
)

var stamp = Stamp{Version: "v1.11.0", Commit: "c06a7ec061f23e4e07adfa080fe66642c243b63c", Date: "2025-11-05T19:58:39Z"}

func TestGoImage(t *testing.T) {
	cases := []struct{ name, gomod, want, err string }{
		{"toolchain wins", "module x\n\ngo 1.24.0\n\ntoolchain go1.25.3\n", "golang:1.25.3-bookworm", ""},
		{"go line", "module x\n\ngo 1.24.6\n", "golang:1.24.6-bookworm", ""},
		{"minor only", "module x\n\ngo 1.23\n", "golang:1.23-bookworm", ""},
		{"neither", "module x\n", "", "neither a toolchain nor a go line"},
		{"garbage", "module x\ngo ???\n", "", "parse go.mod"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := GoImage([]byte(c.gomod))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("GoImage = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestArgsAreTheStaticBuild(t *testing.T) {
	args := Args(stamp, "/out/openfga")
	want := []string{"build", "-trimpath", "-tags", "netgo", "-ldflags", "", "-o", "/out/openfga", "./cmd/openfga"}
	want[5] = "-s -w -X github.com/openfga/openfga/internal/build.Version=v1.11.0" +
		" -X github.com/openfga/openfga/internal/build.Commit=c06a7ec061f23e4e07adfa080fe66642c243b63c" +
		" -X github.com/openfga/openfga/internal/build.Date=2025-11-05T19:58:39Z"
	if !slices.Equal(args, want) {
		t.Fatalf("Args =\n%q\nwant\n%q", args, want)
	}
	for _, bad := range []string{"-buildmode", "-linkmode", "static-pie"} {
		if strings.Contains(strings.Join(args, " "), bad) {
			t.Errorf("build args contain %s; a build with it crashes at load on base-compat", bad)
		}
	}
	if !slices.Contains(Env(), "CGO_ENABLED=0") {
		t.Error("CGO_ENABLED=0 missing from the build env")
	}
}

func TestStampValidate(t *testing.T) {
	if err := stamp.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []Stamp{
		{Version: "1.11.0", Commit: stamp.Commit, Date: stamp.Date},
		{Version: "v1.11.0", Commit: "c06a7ec", Date: stamp.Date},
		{Version: "v1.11.0", Commit: stamp.Commit, Date: "yesterday"},
		{Version: "v1.11.0 -X evil=1", Commit: stamp.Commit, Date: stamp.Date},
	}
	for _, s := range bad {
		if err := s.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", s)
		}
	}
	// the release alone: any date, or none, and the same refusals of a bad version or commit
	if err := (Stamp{Version: stamp.Version, Commit: stamp.Commit}).ValidateRelease(); err != nil {
		t.Errorf("ValidateRelease without a date: %v", err)
	}
	for _, s := range []Stamp{bad[0], bad[1], bad[3], {Version: stamp.Version}} {
		if err := s.ValidateRelease(); err == nil {
			t.Errorf("ValidateRelease(%+v) = nil, want an error", s)
		}
	}
}
