// Package cli is the engine-free command line (`go run . <command>`): one
// Command per sub-command, each with the same signature (its arguments and
// where to write, returning the exit code), and Main, which picks the
// command and derives the usage from the table. Only here are flags parsed
// and the environment read; the ci/ packages below take plain values.
//
// Exit codes: 0 done, 1 failed (a deploy not verified, a binary refused),
// 2 usage (bad flags, before anything is done).
package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Command is one sub-command.
type Command struct {
	Name    string
	Summary string // one line for the usage
	Run     func(args []string, stdout, stderr io.Writer) int
}

// Main runs the command named by args[0] from commands.
func Main(commands []Command, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(commands, stderr)
		return 2
	}
	for _, c := range commands {
		if c.Name == args[0] {
			return c.Run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "unknown command %q\n", args[0])
	usage(commands, stderr)
	return 2
}

func usage(commands []Command, w io.Writer) {
	fmt.Fprintln(w, "usage: go run . <command> [flags]   (go run . <command> -h for its flags)")
	fmt.Fprintln(w, "commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.Name, c.Summary)
	}
}

// newFlags is a flag set that reports to stderr and does not exit.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses args and refuses operands; false means "exit 2".
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) bool {
	if err := fs.Parse(args); err != nil {
		return false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return false
	}
	return true
}

// list is a repeatable string flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

// printJSON writes v indented, the form every command's record takes.
func printJSON(stdout, stderr io.Writer, v any) int {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
