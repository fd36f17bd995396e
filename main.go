// Command openfga-kraftcloud is the engine-free CLI over the ci/ packages:
// it parses flags and calls ci/, nothing more.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/preflight"
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
	fmt.Fprintln(os.Stderr, "commands: preflight, diagnose, sim, deploy, status, logs, destroy")
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
