package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// The CLI lays the rootfs out and pushes the image with the token's
// registry login; the JSON names the image deploy --postgres-image takes.
func TestPGImage(t *testing.T) {
	debs := simtest.PGDebs(t)
	s := simtest.Start(t)
	out := filepath.Join(t.TempDir(), "rootfs")
	var stdout, stderr bytes.Buffer
	t.Setenv("UKC_TOKEN", s.Endpoints().Token)
	code := pgimageCmd([]string{"--debs", debs, "--out", out, "--push", "--registry", s.Endpoints().Registry}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	var b pgimage.Built
	if err := json.Unmarshal(stdout.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	if b.Rootfs != out || b.Major == "" || !strings.Contains(b.Image, "/openfga-pg@sha256:") {
		t.Errorf("%+v", b)
	}
	t.Setenv("PG_DEBS", "")
	if code := pgimageCmd([]string{"--out", out}, &stdout, &stderr); code != 2 {
		t.Errorf("no --debs: exit %d, want 2", code)
	}
}
