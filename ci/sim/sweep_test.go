package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
)

// TestSweepStale: a simulator that starts removes the bridge, netns names
// and cgroups of one that died without cleaning up.
func TestSweepStale(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	const bridge = "ukcsimdeadbeef"
	cg, err := newCgroups(bridge)
	if err != nil {
		t.Fatal(err)
	}
	child, err := cg.create("child", 16)
	if err != nil {
		t.Fatal(err)
	}
	if err := netlink.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: bridge}}); err != nil {
		t.Fatal(err)
	}
	if err := bindNetns(os.Getpid(), bridge+"-0000"); err != nil { // a name left behind
		t.Fatal(err)
	}
	_ = os.MkdirAll(ownerDir, 0o755)
	b, _ := json.Marshal(owner{PID: dead.Process.Pid, Bridge: bridge, Cgroup: cg.root})
	if err := os.WriteFile(ownerFile(bridge), b, 0o644); err != nil {
		t.Fatal(err)
	}
	// Start sweeps before anything else; the simulator is of no use after.
	var log bytes.Buffer
	s, err := Start(Options{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if want := fmt.Sprintf("removing the leftovers of simulator pid %d (bridge %s)", dead.Process.Pid, bridge); !strings.Contains(log.String(), want) {
		t.Errorf("the log does not say %q:\n%s", want, log.String())
	}
	if linkExists(bridge) || netnsExists(bridge+"-0000") || exists(child) || exists(cg.root) || exists(ownerFile(bridge)) {
		t.Errorf("left: bridge %v netns %v cgroup %v root %v record %v", linkExists(bridge), netnsExists(bridge+"-0000"),
			exists(child), exists(cg.root), exists(filepath.Join(ownerDir, bridge+".json")))
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
