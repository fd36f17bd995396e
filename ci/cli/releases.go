package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/deploy"
)

// Releases lists a deployment's releases; Rollback deploys one of them
// again.
var (
	Releases = Command{Name: "releases", Summary: "the deployment's releases, newest first, the serving one marked (JSON)", Run: releasesCmd}
	Rollback = Command{Name: "rollback", Summary: "deploy an earlier release again (--steps N back, or --to DIGEST), verified like any deploy", Run: rollbackCmd}
	Restore  = Command{Name: "restore", Summary: "bring the database back to a safety copy (--from COPY) and OpenFGA to the release that ran on it", Run: restoreCmd}
)

func releasesCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("releases", stderr)
	var t target
	t.register(fs)
	registry := fs.String("registry", deploy.DefaultRegistry, "registry [http://]HOST[:PORT] of the deployment's image")
	if !parse(fs, args, stderr) {
		return 2
	}
	cl, err := t.client(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "releases:", err)
		return 2
	}
	list, err := deploy.Releases(context.Background(), cl, deploy.Where{Name: t.name, Registry: *registry, CAFile: t.conn.ca})
	if err != nil {
		fmt.Fprintln(stderr, "releases:", err)
		return 1
	}
	return printJSON(stdout, stderr, list)
}

func rollbackCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("rollback", stderr)
	var d deployFlags
	d.register(fs)
	to := fs.String("to", "", "the image digest (sha256:…) of the release to go back to")
	steps := fs.Int("steps", 0, "go back this many releases from the serving one (default 1 without --to)")
	if !parse(fs, args, stderr) {
		return 2
	}
	if *to == "" && *steps == 0 {
		*steps = 1
	}
	o, err := d.options(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "rollback:", err)
		return 2
	}
	target, err := deploy.RollbackTarget(context.Background(), o.Client, deploy.Where{Name: o.Name, Registry: o.Registry, CAFile: o.CAFile}, *to, *steps)
	if err != nil {
		fmt.Fprintln(stderr, "rollback:", err)
		return 1
	}
	fmt.Fprintf(stderr, "rollback: to release %s (%s, OpenFGA %s)\n", target.ID, target.Digest, target.OpenFGAVersion)
	o.Image, o.OpenFGAVersion, o.Commit = target.Image, target.OpenFGAVersion, target.Commit
	return rollOut(o, stdout, stderr)
}

func restoreCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("restore", stderr)
	var d deployFlags
	d.register(fs)
	from := fs.String("from", "", "the safety copy to restore (a volume; `releases` names each release's safety_copy)")
	if !parse(fs, args, stderr) {
		return 2
	}
	if *from == "" {
		fmt.Fprintln(stderr, "restore: --from COPY is required")
		return 2
	}
	if d.ds.Kind == "" || d.ds.Kind == "memory" {
		d.ds.Kind = "postgres" // what a safety copy is of
	}
	o, err := d.options(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "restore:", err)
		return 2
	}
	ctx, cancel := signalContext()
	defer cancel()
	rec, err := deploy.Restore(ctx, o, *from)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return printJSON(stdout, stderr, rec)
}
