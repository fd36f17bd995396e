package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/gobuild"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/preflight"
)

// Build is `build --source DIR -o FILE [--version --commit --date]`: the
// module's build on the host's Go, for users with no engine at hand, then
// preflight.
var Build = Command{Name: "build", Summary: "build OpenFGA with the module's flags on the host's Go, then preflight it", Run: build}

func build(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("build", stderr)
	src := fs.String("source", ".", "OpenFGA source tree")
	out := fs.String("o", "openfga", "output file")
	s := gobuild.Pinned
	fs.StringVar(&s.Version, "version", s.Version, "release tag to stamp")
	fs.StringVar(&s.Commit, "commit", s.Commit, "commit SHA to stamp")
	fs.StringVar(&s.Date, "date", s.Date, "commit date to stamp (RFC 3339)")
	if !parse(fs, args, stderr) {
		return 2
	}
	if err := gobuild.Build(context.Background(), *src, s, *out, stderr); err != nil {
		fmt.Fprintln(stderr, "build:", err)
		return 1
	}
	return inspect(*out, false, stdout, stderr)
}

// Preflight is `preflight FILE [--json]`: exit 0 = deployable, 1 =
// refused (reason on stderr), 2 = usage error.
var Preflight = Command{Name: "preflight", Summary: "say whether KraftCloud's loader can start an ELF file (exit 1 and the reason when not)", Run: preflightCmd}

func preflightCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("preflight", stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON on stdout")
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: go run . preflight FILE [--json]") }
	var files []string
	for { // flag stops at the first operand; keep parsing so --json may follow FILE
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	if len(files) != 1 {
		fs.Usage()
		return 2
	}
	return inspect(files[0], *asJSON, stdout, stderr)
}

// inspect preflights path: 0 when it is deployable, 1 when it is refused
// or unreadable. The reason for a refusal goes to stderr; with asJSON the
// report goes to stdout whatever the verdict, so scripts can read both.
func inspect(path string, asJSON bool, stdout, stderr io.Writer) int {
	rep, err := preflight.Inspect(path)
	if err != nil {
		fmt.Fprintf(stderr, "preflight: %v\n", err)
		return 1
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "preflight: %v\n", err)
			return 1
		}
	}
	if err := rep.Err(); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if rep.Warning != "" {
		fmt.Fprintf(stderr, "preflight: %s: warning: %s\n", rep.Path, rep.Warning)
	}
	if !asJSON {
		fmt.Fprintf(stdout, "preflight: %s: deployable (%s %s)\n", rep.Path, rep.Kind, rep.Machine)
	}
	return 0
}
