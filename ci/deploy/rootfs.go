package deploy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/rootpath"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/preflight"
)

// checkRootfs preflights cmd[0] inside the root filesystem: a missing,
// non-executable or dynamic binary is refused here, not at boot.
func (p *plan) checkRootfs() error {
	root := p.opts.Rootfs
	if root == "" {
		return errors.New("no root filesystem: give --rootfs DIR (e.g. from `dagger call rootfs export --path DIR`)")
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return fmt.Errorf("rootfs %s: not a directory", root)
	}
	bin, err := rootpath.Find(root, p.cmd[0])
	if err != nil {
		return fmt.Errorf("rootfs %s: cmd[0] %s: %w", root, p.cmd[0], err)
	}
	rep, err := preflight.Inspect(bin)
	if err != nil {
		return fmt.Errorf("rootfs %s: cmd[0] %s: %w", root, p.cmd[0], err)
	}
	if err := rep.Err(); err != nil {
		return err
	}
	if rep.Warning != "" {
		p.warnings = append(p.warnings, rep.Warning)
	}
	p.version, p.commit = stampOf(rep, p.opts.OpenFGAVersion, p.opts.Commit)
	return p.checkMemoryFits(root)
}

// appHeadroomMB is what the kernel and the app need besides the initrd; a
// conservative guess (inference), only used to refuse sizes that cannot work.
const appHeadroomMB = 32

// checkMemoryFits refuses a memory size the root filesystem cannot fit
// in: the initrd is unpacked into the guest's RAM, so every byte of the
// rootfs (OpenFGA alone is about 60 MiB) is resident before main runs.
func (p *plan) checkMemoryFits(root string) error {
	var size int64
	err := filepath.WalkDir(root, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			size += fi.Size()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("rootfs %s: %w", root, err)
	}
	rootMB := (size + 1<<20 - 1) >> 20
	if need := rootMB + appHeadroomMB; p.memoryMB < need {
		return fmt.Errorf("memory %d MiB is too small: the rootfs (%d MiB) is unpacked into the instance's RAM, so it needs at least %d MiB (the default is %s)",
			p.memoryMB, rootMB, need, DefaultMemory)
	}
	return nil
}
