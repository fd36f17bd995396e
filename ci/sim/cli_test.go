package sim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMainCLI: `sim` prints exactly the contract's JSON line on stdout,
// serves until SIGTERM, then removes its bridge and stops answering.
func TestMainCLI(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	done := make(chan int, 1)
	go func() { done <- Main([]string{"--dir", t.TempDir(), "--bridge", "ukcsimclitest"}) }()
	line, err := bufio.NewReader(r).ReadString('\n')
	os.Stdout = stdout
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	var ep map[string]string
	if err := json.Unmarshal([]byte(line), &ep); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	var keys []string
	for k := range ep {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"api", "ca", "domain", "registry", "tls", "token"}) {
		t.Errorf("keys %v", keys)
	}
	req, _ := http.NewRequest(http.MethodGet, ep["api"]+"/v1/healthz", nil)
	req.Header.Set("Authorization", "Bearer "+ep["token"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	if !linkExists("ukcsimclitest") {
		t.Error("no bridge while running")
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	if linkExists("ukcsimclitest") {
		t.Error("bridge left behind")
	}
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("API still answers")
	}
}

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
	for _, args := range [][]string{{"link", "add", bridge, "type", "bridge"}, {"netns", "add", bridge + "-0000"}} {
		if err := ipCmd(args...); err != nil {
			t.Fatal(err)
		}
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
