// Command openfga-kraftcloud is the engine-free CLI over the ci/ packages:
// it parses flags and calls ci/, nothing more.
package main

import (
	"fmt"
	"os"
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
