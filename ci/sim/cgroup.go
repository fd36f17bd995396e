package sim

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// cgroups places each instance in its own memory cgroup with a limit of
// memory_mb, and tells afterwards whether the kernel's OOM killer fired in
// it. cgroup v1 (this project's machines) and v2 are both handled.
//
// The simulator's cgroups nest under the memory cgroup it runs in, so
// whatever limits the caller lives under still apply to the instances.
type cgroups struct {
	v2   bool
	root string // the simulator's own directory of cgroups
}

const cgroupFS = "/sys/fs/cgroup"

// newCgroups creates the simulator's parent cgroup named name.
func newCgroups(name string) (*cgroups, error) {
	if _, err := os.Stat(filepath.Join(cgroupFS, "memory", "memory.limit_in_bytes")); err == nil {
		return newCgroupsV1(name)
	}
	if _, err := os.Stat(filepath.Join(cgroupFS, "cgroup.controllers")); err == nil {
		return newCgroupsV2(name)
	}
	return nil, errors.New("no memory cgroup controller found under " + cgroupFS)
}

func newCgroupsV1(name string) (*cgroups, error) {
	own, err := ownCgroup("memory")
	if err != nil {
		return nil, err
	}
	root := filepath.Join(cgroupFS, "memory", own, name)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("memory cgroup: %w", err)
	}
	return &cgroups{root: root}, nil
}

// newCgroupsV2 creates the parent at the top of the unified hierarchy: v2
// forbids enabling controllers for children of a cgroup that holds
// processes, as the simulator's own cgroup does.
func newCgroupsV2(name string) (*cgroups, error) {
	root := filepath.Join(cgroupFS, name)
	if err := os.WriteFile(filepath.Join(cgroupFS, "cgroup.subtree_control"), []byte("+memory"), 0); err != nil {
		return nil, fmt.Errorf("enable the v2 memory controller: %w", err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(root, "cgroup.subtree_control"), []byte("+memory"), 0); err != nil {
		return nil, fmt.Errorf("enable the v2 memory controller: %w", err)
	}
	return &cgroups{v2: true, root: root}, nil
}

// ownCgroup returns this process's path in a v1 hierarchy.
func ownCgroup(controller string) (string, error) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) == 3 && slices.Contains(strings.Split(parts[1], ","), controller) {
			return parts[2], nil
		}
	}
	return "/", nil
}

// create makes the cgroup of one instance and sets its memory limit. Swap
// is limited too (where the kernel accounts it), so going over the limit
// means the OOM killer, as in a VM with memory_mb of RAM.
func (c *cgroups) create(name string, memoryMB int64) (string, error) {
	dir := filepath.Join(c.root, name)
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return "", err
	}
	limit := strconv.FormatInt(memoryMB<<20, 10)
	files := []string{"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"}
	if c.v2 {
		files = []string{"memory.max"}
		_ = os.WriteFile(filepath.Join(dir, "memory.swap.max"), []byte("0"), 0)
	}
	for i, f := range files {
		err := os.WriteFile(filepath.Join(dir, f), []byte(limit), 0)
		if err != nil && (i == 0 || !os.IsNotExist(err)) {
			return dir, fmt.Errorf("cgroup %s: %w", f, err)
		}
	}
	return dir, nil
}

// add moves a process into the cgroup.
func (c *cgroups) add(dir string, pid int) error {
	return os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0)
}

// oomKills counts the OOM kills in the cgroup so far: "oom_kill" of
// memory.oom_control (v1, kernel ≥ 4.13) or memory.events (v2).
func (c *cgroups) oomKills(dir string) int {
	file := "memory.oom_control"
	if c.v2 {
		file = "memory.events"
	}
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "oom_kill" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// remove deletes an instance cgroup. A cgroup can only go once its last
// process is gone, which may lag the parent's wait by a moment.
func (c *cgroups) remove(dir string) error {
	var err error
	for range 50 {
		if err = os.Remove(dir); err == nil || os.IsNotExist(err) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// close removes the simulator's parent cgroup (after its children).
func (c *cgroups) close() error {
	entries, _ := os.ReadDir(c.root)
	for _, e := range entries {
		if e.IsDir() {
			_ = c.remove(filepath.Join(c.root, e.Name()))
		}
	}
	return c.remove(c.root)
}
