package gobuild

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// Build compiles OpenFGA from srcDir on this machine with the host's Go and
// the same flags and environment as the Dagger module: the engine-free path,
// and the baseline the build benchmark compares the module against.
func Build(ctx context.Context, srcDir string, s Stamp, out string, stderr io.Writer) error {
	if err := s.Validate(); err != nil {
		return err
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", Args(s, abs)...)
	cmd.Dir = srcDir
	cmd.Env = append(os.Environ(), Env()...)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build in %s: %w", srcDir, err)
	}
	return nil
}
