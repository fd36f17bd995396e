package ociimage

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

var epoch = time.Date(2025, 11, 5, 19, 58, 39, 0, time.UTC)

// tree writes a small rootfs; mtimes on disk are whatever "now" is.
func tree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for path, mode := range map[string]os.FileMode{"usr/bin/openfga": 0o755, "etc/hosts": 0o644, "etc/ssl/certs/ca.crt": 0o644} {
		p := filepath.Join(root, path)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("content of "+path), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
	}
	return root
}

// build runs the module's recipe on this machine: LayerScript, Layout,
// TarScript. It returns the image tarball and the layout directory.
func build(t *testing.T, root string) ([]byte, string) {
	t.Helper()
	work := t.TempDir()
	out, err := exec.Command("sh", "-c", LayerScript(root, work, epoch)).Output()
	if err != nil {
		t.Fatalf("layer script: %v", err)
	}
	layer, err := ParseLayer(string(out))
	if err != nil {
		t.Fatal(err)
	}
	files, err := Layout(layer, Config{Entrypoint: []string{"/usr/bin/openfga"}, Cmd: []string{"run"}, Created: epoch}, "openfga:v1.11.0")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "layout")
	files["blobs/sha256/"+layer.Digest.Hex], _ = os.ReadFile(filepath.Join(work, "layer.tar.gz"))
	for name, b := range files {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("sh", "-c", TarScript(dir, filepath.Join(work, "image.tar"), epoch)).CombinedOutput(); err != nil {
		t.Fatalf("tar script: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(work, "image.tar"))
	if err != nil {
		t.Fatal(err)
	}
	return b, dir
}

func TestTarballIsReproducible(t *testing.T) {
	a := tree(t)
	first, _ := build(t, a)
	time.Sleep(10 * time.Millisecond)
	b := tree(t) // same content, other directory, other mtimes
	os.Chtimes(filepath.Join(b, "etc/hosts"), time.Now().Add(time.Hour), time.Now().Add(time.Hour))
	second, _ := build(t, b)
	if sha256.Sum256(first) != sha256.Sum256(second) {
		t.Fatal("two builds of the same tree differ")
	}
	os.WriteFile(filepath.Join(b, "etc/hosts"), []byte("changed"), 0o644)
	if changed, _ := build(t, b); bytes.Equal(changed, first) {
		t.Fatal("a changed file did not change the tarball")
	}
}

func TestTarballIsAnOCILayoutWithTheRootfs(t *testing.T) {
	_, dir := build(t, tree(t))
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := idx.IndexManifest()
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := img.ConfigFile()
	if !cfg.Created.Time.Equal(epoch) || cfg.Config.Entrypoint[0] != "/usr/bin/openfga" || cfg.History[0].Created.Time != epoch {
		t.Fatalf("config: %+v", cfg)
	}
	files := tar.NewReader(mutate.Extract(img))
	seen := map[string]bool{}
	for {
		h, err := files.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seen[h.Name] = true
		if !h.ModTime.Equal(epoch) || h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: mtime %v uid %d gid %d", h.Name, h.ModTime, h.Uid, h.Gid)
		}
		if h.Name == "usr/bin/openfga" && h.Mode != 0o755 {
			t.Errorf("openfga mode %o", h.Mode)
		}
	}
	for _, want := range []string{"usr/bin/openfga", "etc/hosts", "etc/ssl/certs/ca.crt", "usr", "etc/ssl"} {
		if !seen[want] {
			t.Errorf("layer lacks %s (has %v)", want, seen)
		}
	}
}
