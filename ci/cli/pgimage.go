package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// PGImage lays the PostgreSQL unikernel's rootfs out from Debian's
// packages and, with --push, pushes the image with the API token's
// registry login.
var PGImage = Command{Name: "pgimage", Summary: "build (and push) the PostgreSQL unikernel image from Debian's packages", Run: pgimageCmd}

func pgimageCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("pgimage", stderr)
	debs := fs.String("debs", os.Getenv("PG_DEBS"), "directory of Debian packages (bash .ci/pg-rootfs.sh); default $PG_DEBS")
	out := fs.String("out", "", "rootfs directory to create (default: a new temporary directory)")
	push := fs.Bool("push", false, "also push the image to the registry")
	registry := fs.String("registry", unikernel.DefaultRegistry, "registry [http://]HOST[:PORT] (http:// or a loopback host: plain HTTP)")
	name := fs.String("name", "openfga-pg", "image name under your namespace")
	tag := fs.String("tag", "15", "image tag")
	runtime := fs.String("runtime", pgimage.DefaultRuntime, "runtime image")
	token := fs.String("token", "", "API token for the registry login (default $UKC_TOKEN, ...)")
	if !parse(fs, args, stderr) || *debs == "" {
		fmt.Fprintln(stderr, "usage: go run . pgimage --debs DIR [--out DIR] [--push [--registry HOST] [--name N] [--tag T]]")
		return 2
	}
	ctx := context.Background()
	b, err := pgimage.Make(ctx, *debs, *out, stderr)
	if err == nil && *push {
		var tok kraftcloud.Token
		if tok, err = kraftcloud.ParseToken((&conn{token: *token}).tokenOrEnv()); err == nil {
			b.Image, err = pgimage.PushTo(ctx, b.Rootfs, *registry, *name, *tag, *runtime, tok)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "pgimage:", err)
		return 1
	}
	return printJSON(stdout, stderr, b)
}
