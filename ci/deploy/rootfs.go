package deploy

import (
	"errors"
	"fmt"
	"os"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/preflight"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/rootpath"
)

// checkRootfs preflights cmd[0] inside the root filesystem (a missing,
// non-executable or dynamic binary is refused here, not at boot), checks
// that the rootfs fits the memory, and returns the stamp of what runs:
// version and commit as given, else the binary's Go build info.
func checkRootfs(root, bin string, memoryMB int64, version, commit string, warnings *[]string) (stamp, error) {
	if root == "" {
		return stamp{}, errors.New("no root filesystem: give --rootfs DIR (e.g. from `dagger call rootfs export --path DIR`)")
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return stamp{}, fmt.Errorf("rootfs %s: not a directory", root)
	}
	path, err := rootpath.Find(root, bin)
	if err != nil {
		return stamp{}, fmt.Errorf("rootfs %s: cmd[0] %s: %w", root, bin, err)
	}
	rep, err := preflight.Inspect(path)
	if err != nil {
		return stamp{}, fmt.Errorf("rootfs %s: cmd[0] %s: %w", root, bin, err)
	}
	if err := rep.Err(); err != nil {
		return stamp{}, err
	}
	if rep.Warning != "" {
		*warnings = append(*warnings, rep.Warning)
	}
	if err := checkMemoryFits(root, memoryMB); err != nil {
		return stamp{}, err
	}
	v, c := stampOf(rep, version, commit)
	return stamp{version: v, commit: c}, nil
}
