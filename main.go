// Command openfga-kraftcloud is the engine-free CLI over the ci/ packages:
// the composition root of the commands that ci/cli defines.
package main

import (
	"os"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/cli"
)

// commands are the sub-commands, in the order the usage lists them.
var commands = []cli.Command{
	cli.Build, cli.Preflight, cli.TestModel, cli.Deploy, cli.Status, cli.Logs, cli.Destroy,
	cli.Releases, cli.Rollback, cli.Restore, cli.Diagnose, cli.PGImage, cli.Sim,
}

func main() {
	os.Exit(cli.Main(commands, os.Args[1:], os.Stdout, os.Stderr))
}
