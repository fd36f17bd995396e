//go:build e2e

package e2e

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// The real platform, only when a token is given: deploy, verify from here,
// destroy. UKC_METRO picks the metro (default fra). It needs an engine and a
// test process that reach the internet, so run it outside the air-gapped
// setup: UKC_TOKEN=... go test -tags e2e -run TestLiveDeploy ./ci/e2e/
func TestLiveDeploy(t *testing.T) {
	if os.Getenv("UKC_TOKEN") == "" {
		t.Skip("UKC_TOKEN is not set: the live deploy against KraftCloud is skipped")
	}
	metro := os.Getenv("UKC_METRO")
	if metro == "" {
		metro = "fra"
	}
	os.Setenv("E2E_PRESHARED_KEY", presharedKey)
	var module []string // with internet the module clones OpenFGA at the pinned tag itself
	if os.Getenv("OPENFGA_REPO") != "" {
		module = loadFixture(t).moduleArgs()
	}
	name := "openfga-e2e-" + time.Now().UTC().Format("0102150405")
	conn := []string{"--token=env://UKC_TOKEN", "--metro=" + metro, "--name=" + name}
	t.Cleanup(func() { dagger(t, 10*time.Minute, append([]string{"destroy", "--image"}, conn...)...) })
	args := append(append(append(module, "deploy"), conn...), "--preshared-key=env://E2E_PRESHARED_KEY", "--memory=512Mi")
	out := dagger(t, 40*time.Minute, args...).must(t).stdout
	d := decodeDeployment(t, out)
	c := &verify.Client{BaseURL: d.URL, Key: presharedKey}
	if err := c.Verify(context.Background()); err != nil {
		t.Fatalf("the live deployment does not serve: %v", err)
	}
	t.Logf("live: %s verified, timings %+v", d.URL, d.Timings)
}
