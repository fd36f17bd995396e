//go:build e2e

package e2e

import (
	"context"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// `dagger call serve up --ports 18080:8080` gives a working OpenFGA on the host.
func TestServe(t *testing.T) {
	f := loadFixture(t)
	cmd := exec.Command("dagger", append([]string{"call", "--progress=plain"},
		f.moduleArgs("serve", "up", "--ports=18080:8080")...)...)
	cmd.Dir = repoRoot(t)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	c := &verify.Client{BaseURL: "http://127.0.0.1:18080"}
	if err := c.WaitHealthy(ctx, time.Second); err != nil {
		t.Fatalf("%v\n%s", err, tail(log.String(), 40))
	}
	start := time.Now()
	if err := c.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("serve: healthy, health and round trip in %v", time.Since(start))
}
