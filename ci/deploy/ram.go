package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Memory bounds checked before anything remote. The platform's own
// per-user limits (the quotas' min_memory_mb/max_memory_mb) are read from
// the API right after validation, before anything is pushed.
const (
	MinMemoryMB = 16        // the smallest guest the platform (and the simulator) accepts
	MaxMemoryMB = 32 * 1024 // a sanity bound: no metro offers more to one instance
)

// ParseMemory reads a size with kraft's -M semantics: a bare number is MiB,
// "Mi" and "Gi" are binary suffixes. The decimal "M"/"G" are refused:
// kraft reads 1G as 10^9 bytes (953 MiB, Kubernetes' resource.Quantity)
// while the unikraft CLI reads it as 1 GiB, so either reading would
// surprise someone.
func ParseMemory(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		s = DefaultMemory
	}
	num, mult := s, int64(1)
	switch {
	case strings.HasSuffix(s, "Mi"):
		num = strings.TrimSuffix(s, "Mi")
	case strings.HasSuffix(s, "Gi"):
		num, mult = strings.TrimSuffix(s, "Gi"), 1024
	case strings.TrimRight(s, "0123456789") != "":
		return 0, fmt.Errorf("memory %q: write a number of MiB (512) or use the binary suffixes Mi or Gi (512Mi, 1Gi); decimal units are ambiguous (kraft reads 1G as 953 MiB)", s)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("memory %q: not a positive whole number of MiB or GiB", s)
	}
	mb := n * mult
	if mb < MinMemoryMB || mb > MaxMemoryMB {
		return 0, fmt.Errorf("memory %q = %d MiB: outside %d MiB .. %d MiB", s, mb, MinMemoryMB, MaxMemoryMB)
	}
	return mb, nil
}

// appHeadroomMB is what the kernel and the app need besides the initrd: a
// conservative guess, only used to refuse sizes that cannot work.
const appHeadroomMB = 32

// checkMemoryFits refuses a memory size the root filesystem cannot fit
// in: the initrd is unpacked into the guest's RAM, so every byte of the
// rootfs (OpenFGA alone is about 60 MiB) is resident before main runs.
func checkMemoryFits(root string, memoryMB int64) error {
	var size int64
	err := filepath.WalkDir(root, func(_ string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		size += fi.Size()
		return nil
	})
	if err != nil {
		return fmt.Errorf("rootfs %s: %w", root, err)
	}
	rootMB := (size + 1<<20 - 1) >> 20
	if need := rootMB + appHeadroomMB; memoryMB < need {
		return fmt.Errorf("memory %d MiB is too small: the rootfs (%d MiB) is unpacked into the instance's RAM, so it needs at least %d MiB (the default is %s)",
			memoryMB, rootMB, need, DefaultMemory)
	}
	return nil
}
