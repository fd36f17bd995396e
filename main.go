// Command openfga-kraftcloud is the engine-free CLI over the ci/ packages:
// it parses flags and calls ci/, nothing more.
package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/deploy"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/gobuild"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/preflight"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
)

// commands maps a sub-command name to its entry point. Each entry parses its
// own flags and returns the process exit code.
var commands = map[string]func(args []string) int{}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	os.Exit(cmd(os.Args[2:]))
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go run . <command> [flags]")
	fmt.Fprintln(os.Stderr, "commands: build, preflight, diagnose, sim, deploy, status, logs, destroy, pgimage")
}

func init() { commands["preflight"] = runPreflight }

// runPreflight is `preflight FILE [--json]`: exit 0 = deployable, 1 = refused
// (reason on stderr), 2 = usage error.
func runPreflight(args []string) int {
	fs := flag.NewFlagSet("preflight", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the report as JSON on stdout")
	fs.Usage = func() { fmt.Fprintln(os.Stderr, "usage: go run . preflight FILE [--json]") }
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
	return preflight.Run(files[0], *asJSON, os.Stdout, os.Stderr)
}

func init() { commands["build"] = runBuild }

// runBuild is `build --source DIR -o FILE --version TAG --commit SHA --date RFC3339`:
// the module's build on the host's Go, for users with no engine at hand.
func runBuild(args []string) int {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	src := fs.String("source", ".", "OpenFGA source tree")
	out := fs.String("o", "openfga", "output file")
	var s gobuild.Stamp
	fs.StringVar(&s.Version, "version", "v1.11.0", "release tag to stamp")
	fs.StringVar(&s.Commit, "commit", "c06a7ec061f23e4e07adfa080fe66642c243b63c", "commit SHA to stamp")
	fs.StringVar(&s.Date, "date", "2025-11-05T19:58:39Z", "commit date to stamp (RFC 3339)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := gobuild.Build(context.Background(), *src, s, *out, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		return 1
	}
	return preflight.Run(*out, false, os.Stdout, os.Stderr)
}

// diagnose: --from INSTANCE.json [--logs LOGS.txt] | --instance NAME [--metro M | --api URL] [--token T]; [--json].
func init() { commands["diagnose"] = diagnose.Main }

// sim: [--api ADDR] [--registry ADDR] [--tls ADDR] [--token TOKEN] [--dir DIR]; one JSON line on stdout, runs until SIGINT/SIGTERM.
func init() { commands["sim"] = sim.Main }

// deploy, status, logs, destroy: --name N (--metro M | --api URL) [--token T]; see ci/deploy.
func init() { maps.Copy(commands, deploy.Commands) }

func init() { commands["pgimage"] = pgimage.Main }
