package ociimage

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"io"
	"os"
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

func build(t *testing.T, root string) []byte {
	t.Helper()
	img, err := Image(root, Config{Entrypoint: []string{"/usr/bin/openfga"}, Cmd: []string{"run"}, Created: epoch})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteTarball(&buf, img, "openfga:v1.11.0", epoch); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTarballIsReproducible(t *testing.T) {
	a := tree(t)
	first := build(t, a)
	time.Sleep(10 * time.Millisecond)
	b := tree(t) // same content, other directory, other mtimes
	os.Chtimes(filepath.Join(b, "etc/hosts"), time.Now().Add(time.Hour), time.Now().Add(time.Hour))
	second := build(t, b)
	if sha256.Sum256(first) != sha256.Sum256(second) {
		t.Fatal("two builds of the same tree differ")
	}
	os.WriteFile(filepath.Join(b, "etc/hosts"), []byte("changed"), 0o644)
	if bytes.Equal(build(t, b), first) {
		t.Fatal("a changed file did not change the tarball")
	}
}

func TestTarballIsAnOCILayoutWithTheRootfs(t *testing.T) {
	dir := t.TempDir()
	tr := tar.NewReader(bytes.NewReader(build(t, tree(t))))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, h.Name)
		if h.Typeflag == tar.TypeDir {
			os.MkdirAll(p, 0o755)
			continue
		}
		b, _ := io.ReadAll(tr)
		os.WriteFile(p, b, 0o644)
	}
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
