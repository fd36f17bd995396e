package verify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// startOpenFGA runs $OPENFGA_BIN with the memory datastore on free ports.
func startOpenFGA(t *testing.T) *Client {
	t.Helper()
	bin := os.Getenv("OPENFGA_BIN")
	if bin == "" {
		t.Skip("OPENFGA_BIN is not set: build OpenFGA (go run . build -o /tmp/openfga) to test the persistence marker against it")
	}
	port := func() int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
	httpPort := port()
	cmd := exec.Command(bin, "run", "--datastore-engine", "memory", "--playground-enabled=false", "--metrics-enabled=false",
		"--http-addr", fmt.Sprintf("127.0.0.1:%d", httpPort), "--grpc-addr", fmt.Sprintf("127.0.0.1:%d", port()))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c := &Client{BaseURL: fmt.Sprintf("http://127.0.0.1:%d", httpPort)}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.WaitHealthy(ctx, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPersistenceMarker(t *testing.T) {
	c := startOpenFGA(t)
	ctx := context.Background()
	if _, err := c.CheckMarker(ctx); !errors.Is(err, ErrNoMarker) {
		t.Fatalf("before any marker: %v, want ErrNoMarker", err)
	}
	first, err := c.WriteMarker(ctx)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.WriteMarker(ctx) // the next deployment writes it again
	if err != nil || again.ID != first.ID {
		t.Fatalf("second WriteMarker: %+v %v, want the same store %s", again, err, first.ID)
	}
	if _, err := c.CheckMarker(ctx); err != nil {
		t.Fatal(err)
	}
	// data lost: the tuple is gone while the store remains
	if err := c.Delete(ctx, first, Marker); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CheckMarker(ctx); err == nil || !strings.Contains(err.Error(), "did not persist") {
		t.Fatalf("after the tuple was lost: %v", err)
	}
}
