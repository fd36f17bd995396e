package pgimage

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// Built is the image made (the CLI prints it as one JSON object).
type Built struct {
	Rootfs string `json:"rootfs"`
	Major  string `json:"postgres_major"`
	Bytes  int64  `json:"bytes"`
	Image  string `json:"image,omitempty"` // as the API names it, when pushed: pass it to deploy --postgres-image
}

// Make lays the PostgreSQL rootfs out from the Debian packages in debs
// into out (a new temporary directory when empty), with the entry point
// built for it.
func Make(ctx context.Context, debs, out string, log io.Writer) (Built, error) {
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

// PushTo packages the rootfs on the runtime and pushes it as
// <registry>/<namespace>/<name>:<tag> with the token's registry login. It
// returns the image as the API names it: pass it to deploy --postgres-image.
func PushTo(ctx context.Context, rootfs, registry, name, tag, runtime string, tok kraftcloud.Token) (string, error) {
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
