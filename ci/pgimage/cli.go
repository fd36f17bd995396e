package pgimage

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// Built is what the CLI prints (one JSON object on stdout).
type Built struct {
	Rootfs string `json:"rootfs"`
	Major  string `json:"postgres_major"`
	Bytes  int64  `json:"bytes"`
	Image  string `json:"image,omitempty"` // as the API names it, when pushed: pass it to deploy --postgres-image
}

// Main is `go run . pgimage`: lay the rootfs out from the packages and,
// with --push, push the image with the API token's registry login.
func Main(args []string) int { return cli(args, os.Stdout, os.Stderr) }

func cli(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pgimage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	debs := fs.String("debs", os.Getenv("PG_DEBS"), "directory of Debian packages (bash .ci/pg-rootfs.sh); default $PG_DEBS")
	out := fs.String("out", "", "rootfs directory to create (default: a new temporary directory)")
	push := fs.Bool("push", false, "also push the image to the registry")
	registry := fs.String("registry", unikernel.DefaultRegistry, "registry [http://]HOST[:PORT] (http:// or a loopback host: plain HTTP)")
	name := fs.String("name", "openfga-pg", "image name under your namespace")
	tag := fs.String("tag", "15", "image tag")
	runtime := fs.String("runtime", DefaultRuntime, "runtime image")
	token := fs.String("token", "", "API token for the registry login (default $UKC_TOKEN, ...)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *debs == "" {
		fmt.Fprintln(stderr, "usage: go run . pgimage --debs DIR [--out DIR] [--push [--registry HOST] [--name N] [--tag T]]")
		return 2
	}
	b, err := build(context.Background(), *debs, *out, stderr)
	if err == nil && *push {
		b.Image, err = pushWithToken(context.Background(), b.Rootfs, *registry, *name, *tag, *runtime, *token)
	}
	if err != nil {
		fmt.Fprintln(stderr, "pgimage:", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(b)
	return 0
}

func build(ctx context.Context, debs, out string, log io.Writer) (Built, error) {
	if out == "" {
		tmp, err := os.MkdirTemp("", "pgimage-")
		if err != nil {
			return Built{}, err
		}
		out = filepath.Join(tmp, "rootfs")
	}
	work, err := os.MkdirTemp("", "pgimage-entrypoint-")
	if err != nil {
		return Built{}, err
	}
	defer os.RemoveAll(work)
	ep := filepath.Join(work, "pg-entrypoint")
	if err := BuildEntrypoint(ctx, ep); err != nil {
		return Built{}, err
	}
	res, err := Layout(ctx, Options{Debs: debs, Out: out, Entrypoint: ep,
		Logf: func(f string, a ...any) { fmt.Fprintf(log, f+"\n", a...) }})
	return Built{Rootfs: out, Major: res.Major, Bytes: res.Bytes}, err
}

func pushWithToken(ctx context.Context, rootfs, registry, name, tag, runtime, token string) (string, error) {
	tok, err := kraftcloud.ResolveToken(token)
	if err != nil {
		return "", err
	}
	registry, acc := unikernel.AccessFor(registry, tok, nil)
	rt, err := unikernel.PullRuntime(ctx, unikernel.RuntimeRef(registry, runtime), acc)
	if err != nil {
		return "", err
	}
	ref, err := unikernel.NewRef(registry, tok.Namespace(), name, tag)
	if err != nil {
		return "", err
	}
	return Push(ctx, rootfs, rt, ref, acc)
}
