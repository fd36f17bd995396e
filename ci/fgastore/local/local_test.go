package local

import (
	"context"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func binary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("OPENFGA_BIN")
	if bin == "" {
		t.Skip("OPENFGA_BIN is not set: build OpenFGA (go run . build -o /tmp/openfga) and set OPENFGA_BIN to run OpenFGA locally")
	}
	return bin
}

// Start serves on loopback only; Close stops the whole process group.
func TestStartClose(t *testing.T) {
	o, err := Start(context.Background(), binary(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(o.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %s, want loopback", o.URL())
	}
	resp, err := http.Get(o.URL() + "/stores")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /stores: %s", resp.Status)
	}
	pid := o.cmd.Process.Pid
	o.Close()
	if err := syscall.Kill(-pid, 0); err == nil {
		t.Errorf("process group %d still there after Close", pid)
	}
	if _, err := http.Get(o.URL() + "/healthz"); err == nil {
		t.Error("still serving after Close")
	}
	o.Close() // a second Close is harmless
}

// Two servers at once get ports of their own.
func TestTwo(t *testing.T) {
	a, err := Start(context.Background(), binary(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Start(context.Background(), binary(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.URL() == b.URL() {
		t.Fatalf("both on %s", a.URL())
	}
}

// The end of the caller's context (an interrupt) kills the server.
func TestContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	o, err := Start(ctx, binary(t))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-o.done:
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10s after its context ended")
	}
	o.Close()
}

// A binary that is not OpenFGA fails with what it printed.
func TestNotOpenFGA(t *testing.T) {
	_, err := Start(context.Background(), "/bin/false")
	if err == nil || !strings.Contains(err.Error(), "did not start") || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("got %v", err)
	}
	_, err = Start(context.Background(), "/nonexistent/openfga")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/openfga") {
		t.Fatalf("got %v", err)
	}
}
