package unikernel

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	testUser     = "robot$acme.users.kraftcloud"
	testPassword = "s3cret-Pa55word-do-not-print"

	// placeholderKernel stands in for the base-compat kernel in every test.
	// It is NOT a Unikraft kernel: it only has to survive the round trip.
	placeholderKernel = "PLACEHOLDER KERNEL: test bytes, not a Unikraft kernel\n"
)

// startRegistry runs ggcr's in-process registry behind a basic-auth check
// (401 with a Basic challenge without the right credentials) and returns its
// host:port and the Access that works for it.
func startRegistry(t *testing.T, useTLS bool) (string, Access) {
	t.Helper()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	h := requireBasicAuth(reg, testUser, testPassword)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS probes over http are expected
	if useTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	acc := Access{Username: testUser, Password: testPassword}
	if useTLS {
		acc.CACertPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	}
	host := strings.TrimPrefix(strings.TrimPrefix(srv.URL, "http://"), "https://")
	return host, acc
}

func requireBasicAuth(next http.Handler, user, pass string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="test-registry"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// runtimeFeatures are the seeded runtime's os.features; the quoted
// CONFIG_UK_FULLVERSION is how a Kconfig string value looks.
var runtimeFeatures = []string{
	"CONFIG_LIBUKCPIO=y", "CONFIG_LIBPOSIX_PROCESS=y", "CONFIG_UK_APP=y",
	`CONFIG_UK_FULLVERSION="0.17.0~abcdef0"`,
}

// seedRuntime pushes a base-compat look-alike to host/official/base-compat,
// built with ggcr's mutate (not with this package): an index holding a
// linux/amd64 decoy and the kraftcloud/x86_64 runtime whose single layer is
// the placeholder kernel.
func seedRuntime(t *testing.T, host string, acc Access) string {
	t.Helper()
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: decoyImage(t), Descriptor: v1.Descriptor{
			Platform: &v1.Platform{OS: "linux", Architecture: "amd64"},
		}},
		mutate.IndexAddendum{Add: fakeRuntimeImage(t), Descriptor: v1.Descriptor{
			Platform:    &v1.Platform{OS: PlatformOS, Architecture: PlatformArch, OSVersion: "0.17.0~abcdef0"},
			Annotations: map[string]string{AnnotationKraftkitVersion: "0.9.2"},
		}},
	)
	ref := host + "/official/base-compat:latest"
	opts, err := acc.remoteOptions(context.Background())
	must(t, err)
	r, err := name.ParseReference(ref)
	must(t, err)
	must(t, remote.WriteIndex(r, idx, opts...))
	return ref
}

func fakeRuntimeImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := mutate.ConfigFile(mutate.MediaType(empty.Image, types.OCIManifestSchema1), &v1.ConfigFile{
		Architecture: PlatformArch, OS: PlatformOS, OSVersion: "0.17.0~abcdef0",
		OSFeatures: runtimeFeatures,
		Config:     v1.Config{Labels: map[string]string{"org.unikraft.runtime": "base-compat"}},
	})
	must(t, err)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	kernel := static.NewLayer(singleFileTar(t, "unikraft/bin/kernel", placeholderKernel), types.OCIUncompressedLayer)
	img, err = mutate.Append(img, mutate.Addendum{
		Layer: kernel, Annotations: map[string]string{AnnotationKernel: KernelPath},
	})
	must(t, err)
	return img
}

func decoyImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := mutate.ConfigFile(mutate.MediaType(empty.Image, types.OCIManifestSchema1),
		&v1.ConfigFile{Architecture: "amd64", OS: "linux"})
	must(t, err)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON)
}

func singleFileTar(t *testing.T, name, data string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	must(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}))
	_, err := tw.Write([]byte(data))
	must(t, err)
	must(t, tw.Close())
	return buf.Bytes()
}

// makeRootfs writes a small OpenFGA-shaped root filesystem.
func makeRootfs(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"usr/bin/openfga":                   "placeholder openfga binary\n",
		"etc/ssl/certs/ca-certificates.crt": "-----BEGIN CERTIFICATE-----\n",
	}
	for p, data := range files {
		must(t, os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755))
		must(t, os.WriteFile(filepath.Join(root, p), []byte(data), 0o644))
	}
	must(t, os.Chmod(filepath.Join(root, "usr/bin/openfga"), 0o755))
	must(t, os.Mkdir(filepath.Join(root, "tmp"), 0o777))
	must(t, os.Symlink("/usr/bin/openfga", filepath.Join(root, "usr/bin/fga")))
	return root
}

func testSpec(t *testing.T, host string) Spec {
	t.Helper()
	ref, err := NewRef(host, "acme", "openfga", "v1")
	must(t, err)
	return Spec{
		Ref:    ref,
		Cmd:    []string{"/usr/bin/openfga", "run"},
		Env:    []string{"OPENFGA_HTTP_ADDR=0.0.0.0:8080", "OPENFGA_AUTHN_METHOD=preshared"},
		Labels: map[string]string{"cloud.unikraft.v1.instances/scale_to_zero.policy": "idle"},
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
