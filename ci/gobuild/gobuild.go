// Package gobuild holds the one way this project compiles OpenFGA: the flags
// known to start on KraftCloud's base-compat runtime (a plain static build,
// as OpenFGA's own Dockerfile and .goreleaser.yaml make it; a PIE dies at
// load), the version stamp, and the Go image chosen from OpenFGA's own go.mod.
//
// The Dagger module and the host CLI both take their build from here, so a
// flag can never differ between a local build and a deployed one.
package gobuild

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Pinned is the OpenFGA release this project builds unless told otherwise:
// the tag, the commit it pointed at when it was pinned (a tag that moves
// since is refused), and that commit's date (the stamp's date, so builds
// reproduce). The CLI's defaults, the module's defaults and the tests all
// take it from here; a test holds the module's +default pragmas equal to it.
var Pinned = Stamp{Version: "v1.11.0", Commit: "c06a7ec061f23e4e07adfa080fe66642c243b63c", Date: "2025-11-05T19:58:39Z"}

// Package is the main package of OpenFGA's server.
const Package = "./cmd/openfga"

// buildPkg is where OpenFGA keeps the variables that `openfga version` prints.
const buildPkg = "github.com/openfga/openfga/internal/build"

// Stamp is what `openfga version` reports; without it the binary says dev/none.
type Stamp struct {
	Version string // the release tag, e.g. v1.11.0
	Commit  string // the full commit SHA the tag points at
	Date    string // the commit date, RFC 3339 in UTC: never the build time, so builds reproduce
}

var (
	tagRE    = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
	commitRE = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// Validate refuses a stamp that would break the -X flags or the reproducibility.
func (s Stamp) Validate() error {
	if err := s.ValidateRelease(); err != nil {
		return err
	}
	if _, err := time.Parse(time.RFC3339, s.Date); err != nil {
		return fmt.Errorf("date %q is not RFC 3339 (e.g. 2025-11-05T19:58:39Z)", s.Date)
	}
	return nil
}

// ValidateRelease is Validate without the date, for what needs only the
// release: the date is the commit's, and reading it takes a container.
func (s Stamp) ValidateRelease() error {
	if !tagRE.MatchString(s.Version) {
		return fmt.Errorf("version %q is not a release tag like v1.11.0", s.Version)
	}
	if !commitRE.MatchString(s.Commit) {
		return fmt.Errorf("commit %q is not a full 40-character lowercase SHA", s.Commit)
	}
	return nil
}

// LDFlags strips symbols and DWARF (-s -w, as the working build did) and stamps the version.
func LDFlags(s Stamp) string {
	return strings.Join([]string{
		"-s", "-w",
		"-X", buildPkg + ".Version=" + s.Version,
		"-X", buildPkg + ".Commit=" + s.Commit,
		"-X", buildPkg + ".Date=" + s.Date,
	}, " ")
}

// Args is the `go build` command line, without the leading "go".
// -trimpath removes the build directory from the binary so it reproduces anywhere.
// No -buildmode=pie and no -linkmode external: those gave exit 243 and 254 at boot.
func Args(s Stamp, out string) []string {
	return []string{"build", "-trimpath", "-tags", "netgo", "-ldflags", LDFlags(s), "-o", out, Package}
}

// Env is the environment of the build. CGO_ENABLED=0 makes a static executable
// with no interpreter; GOTOOLCHAIN=local stops the go command from fetching
// another toolchain; -buildvcs=false keeps VCS state out of the binary.
func Env() []string {
	return []string{
		"CGO_ENABLED=0",
		"GOOS=linux",
		"GOARCH=amd64",
		"GOTOOLCHAIN=local",
		"GOFLAGS=-buildvcs=false",
	}
}

// Recipe is the build's environment and command line with the stamp left
// as placeholders: what, besides the source and the Go toolchain, makes
// the binary. A change to a flag changes it.
func Recipe() string {
	args := Args(Stamp{Version: "$VERSION", Commit: "$COMMIT", Date: "$DATE"}, "openfga")
	return strings.Join(Env(), " ") + " go " + strings.Join(args, " ")
}
