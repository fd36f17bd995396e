package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSim: `sim` prints exactly the one JSON line scripts read on stdout,
// serves until SIGTERM, then removes its bridge and stops answering.
func TestSim(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() { done <- simCmd([]string{"--dir", t.TempDir(), "--bridge", "ukcsimclitest"}, w, io.Discard) }()
	line, err := bufio.NewReader(r).ReadString('\n')
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
	// the CA, for clients that cannot read the simulator's files
	resp, err = http.Get(ep["api"] + "/_sim/ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if onDisk, err := os.ReadFile(ep["ca"]); err != nil || !bytes.Equal(served, onDisk) || !bytes.Contains(served, []byte("BEGIN CERTIFICATE")) {
		t.Errorf("GET /_sim/ca.pem: %q, the file: %v", served, err)
	}
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

func linkExists(name string) bool {
	_, err := net.InterfaceByName(name)
	return err == nil
}

// An unknown --dialect is refused before anything starts.
func TestSimDialect(t *testing.T) {
	var stderr strings.Builder
	if code := simCmd([]string{"--dialect", "v3"}, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), `unknown dialect "v3"`) {
		t.Errorf("--dialect v3 = %d: %s", code, stderr.String())
	}
}
