//go:build e2e

package e2e

import (
	"archive/tar"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

func TestImageContents(t *testing.T) {
	f := loadFixture(t)
	img := loadImage(t, exportImage(t, f.moduleArgs()...))
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Config.Entrypoint, []string{"/usr/bin/openfga"}) || !slices.Equal(cfg.Config.Cmd, []string{"run"}) {
		t.Errorf("entrypoint %q cmd %q, want the Kraftfile's cmd [/usr/bin/openfga run]", cfg.Config.Entrypoint, cfg.Config.Cmd)
	}
	if got := cfg.Config.Labels["org.opencontainers.image.revision"]; got != f.commit {
		t.Errorf("revision label %q, want %s", got, f.commit)
	}
	files := imageFiles(t, img)
	want := map[string]int64{ // path → mode
		"etc/ssl/certs/ca-certificates.crt": 0o644,
		"usr/bin/openfga":                   0o755,
		"etc/hosts":                         0o644,
		"etc/nsswitch.conf":                 0o644,
	}
	date, _ := time.Parse(time.RFC3339, f.date)
	for path, mode := range want {
		h, ok := files[path]
		if !ok {
			t.Errorf("image lacks %s", path)
			continue
		}
		if h.Mode&0o777 != mode {
			t.Errorf("%s mode %o, want %o", path, h.Mode&0o777, mode)
		}
		if !h.ModTime.Equal(date) {
			t.Errorf("%s mtime %v, want the commit date %v", path, h.ModTime, date)
		}
	}
	if h := files["etc/ssl/certs/ca-certificates.crt"]; h != nil && h.Size < 100_000 {
		t.Errorf("CA bundle is only %d bytes", h.Size)
	}
	for path := range files {
		if !strings.HasPrefix(path, "etc/") && !strings.HasPrefix(path, "usr/") {
			t.Errorf("unexpected file in the scratch image: %s", path)
		}
	}
}

func TestRootfsExport(t *testing.T) {
	f := loadFixture(t)
	dir := t.TempDir()
	dagger(t, 30*time.Minute, f.moduleArgs("rootfs", "export", "--path="+dir)...).must(t)
	hosts, err := os.ReadFile(filepath.Join(dir, "etc/hosts"))
	if err != nil || !strings.Contains(string(hosts), "127.0.0.1\tlocalhost") {
		t.Errorf("etc/hosts: %q, %v", hosts, err)
	}
	out, err := exec.Command(filepath.Join(dir, "usr/bin/openfga"), "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), f.commit) {
		t.Errorf("rootfs openfga version: %s, %v", out, err)
	}
}

// exportImage writes `dagger call image export` to a file and returns its path.
func exportImage(t *testing.T, args ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "image.tar")
	dagger(t, 30*time.Minute, append(args, "image", "export", "--path="+path)...).must(t)
	return path
}

// loadImage reads the single image of an OCI tarball.
func loadImage(t *testing.T, tarPath string) v1.Image {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("tar", "-xf", tarPath, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("untar %s: %v\n%s", tarPath, err, out)
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil || len(m.Manifests) != 1 {
		t.Fatalf("index: %v manifests, %v", len(m.Manifests), err)
	}
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// imageFiles lists the regular files of the flattened image by path.
func imageFiles(t *testing.T, img v1.Image) map[string]*tar.Header {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	files := map[string]*tar.Header{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			files[strings.TrimPrefix(h.Name, "/")] = h
		}
	}
}
