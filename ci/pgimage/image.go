package pgimage

import (
	"context"
	"fmt"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/cpio"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// DefaultRuntime is the runtime of the PostgreSQL image: base-compat loads
// a dynamic glibc executable with its own ld.so from the rootfs (the
// platform's own PostgreSQL example, unikraft-cloud/examples/postgres,
// runs on it too).
const DefaultRuntime = unikernel.DefaultRuntime

// Push packages a rootfs laid out by Layout as a unikernel image on the
// runtime rt, with the entry point as its cmd, and pushes it to ref. It
// returns the image as the API names it (<user>/<name>@<digest>). No
// password or env is in the image: the instance's create request brings
// them.
func Push(ctx context.Context, rootfs string, rt *unikernel.Runtime, ref unikernel.Ref, acc unikernel.Access) (string, error) {
	initrd, err := unikernel.InitrdFromDir(rootfs, cpio.Options{})
	if err != nil {
		return "", fmt.Errorf("pgimage: archive the rootfs: %w", err)
	}
	img, err := unikernel.Build(rt, initrd, unikernel.Spec{Ref: ref, Cmd: []string{EntrypointPath}})
	if err != nil {
		return "", fmt.Errorf("pgimage: build the image: %w", err)
	}
	if _, err := unikernel.Push(ctx, img, acc); err != nil {
		return "", fmt.Errorf("pgimage: push %s: %w", ref, err)
	}
	return ref.PlatformImage(img.Digest), nil
}
