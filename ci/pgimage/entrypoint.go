package pgimage

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// entrypointPkg is the entry point's package in this module.
const entrypointPkg = "github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage/entrypoint"

// BuildEntrypoint compiles the entry point as a static linux/amd64
// executable at dst, with the host's Go (run it from inside this module).
// osusergo and netgo keep it free of cgo, so it needs nothing from libc.
func BuildEntrypoint(ctx context.Context, dst string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-tags", "netgo,osusergo", "-o", dst, entrypointPkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgimage: build the entry point: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
