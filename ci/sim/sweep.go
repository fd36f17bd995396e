package sim

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/vishvananda/netlink"
)

// A simulator killed with SIGKILL cannot clean up; its instances die with
// it (Pdeathsig) but its bridge, netns names and cgroups stay. Each
// simulator therefore records what it owns in ownerDir, and the next one
// to start removes what belonged to simulators that are gone.
const ownerDir = "/run/ukcsim"

// owner is the record of one simulator's machine-wide resources.
type owner struct {
	PID    int    `json:"pid"`
	Bridge string `json:"bridge"`
	Cgroup string `json:"cgroup"`
}

func ownerFile(bridge string) string { return filepath.Join(ownerDir, bridge+".json") }

// claim records this simulator's resources.
func (s *Sim) claim() error {
	if err := os.MkdirAll(ownerDir, 0o755); err != nil {
		return err
	}
	b, _ := json.Marshal(owner{PID: os.Getpid(), Bridge: s.net.bridge, Cgroup: s.cg.root})
	return os.WriteFile(ownerFile(s.net.bridge), b, 0o644)
}

// unclaim drops the record once everything is removed.
func (s *Sim) unclaim() {
	if s.net != nil {
		_ = os.Remove(ownerFile(s.net.bridge))
	}
}

// sweepStale removes the leftovers of simulators whose process is gone.
func sweepStale(logf func(string, ...any)) {
	files, _ := filepath.Glob(filepath.Join(ownerDir, "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		var o owner
		if err != nil || json.Unmarshal(b, &o) != nil || o.Bridge == "" || alive(o.PID) {
			continue
		}
		logf("removing the leftovers of simulator pid %d (bridge %s)", o.PID, o.Bridge)
		removeLeftovers(o)
		_ = os.Remove(f)
	}
}

// removeLeftovers deletes a dead simulator's netns names, bridge and cgroups.
func removeLeftovers(o owner) {
	nss, _ := filepath.Glob(filepath.Join(netnsDir, o.Bridge+"-*"))
	for _, ns := range nss {
		deleteNetns(filepath.Base(ns))
	}
	if l, err := netlink.LinkByName(o.Bridge); err == nil {
		_ = netlink.LinkDel(l)
	}
	if o.Cgroup == "" || !strings.HasPrefix(o.Cgroup, cgroupFS+"/") {
		return
	}
	children, _ := os.ReadDir(o.Cgroup)
	c := &cgroups{root: o.Cgroup}
	for _, e := range children {
		if e.IsDir() {
			killCgroup(filepath.Join(o.Cgroup, e.Name()))
		}
	}
	_ = c.close()
}

// alive reports whether a process exists.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
