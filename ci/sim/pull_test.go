package sim_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cavaliergopher/cpio"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// imageParts is a hand-made unikernel image, to break one part at a time.
type imageParts struct {
	os, arch         string // the index descriptor's platform
	kernelAnnotation bool
	initrdAnnotation bool
	initrdMediaType  types.MediaType
	initrd           []byte // the file at /unikraft/bin/initrd
	cmd              []string
}

// goodParts is the layout kraftkit pushes, with bin at /app.
func goodParts(t *testing.T, bin string) imageParts {
	return imageParts{os: "kraftcloud", arch: "x86_64", kernelAnnotation: true, initrdAnnotation: true,
		initrdMediaType: types.OCIUncompressedLayer, initrd: newc(t, bin), cmd: []string{"/app"}}
}

// newc is a newc cpio archive holding bin as /app, written with a cpio
// library of its own (not the project's packager).
func newc(t *testing.T, bin string) []byte {
	t.Helper()
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := cpio.NewWriter(&buf)
	for _, h := range []*cpio.Header{{Name: ".", Mode: cpio.TypeDir | 0o755}, {Name: "app", Mode: cpio.TypeReg | 0o755, Size: int64(len(b))}} {
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := w.Write(b); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tarOf(t *testing.T, path string, content []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: path, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	_, _ = tw.Write(content)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pushParts writes the image as sim/<name>:latest with go-containerregistry
// and returns it as a create takes it.
func pushParts(t *testing.T, s *sim.Sim, repo string, p imageParts) string {
	t.Helper()
	annotated := func(key string, on bool, path string) map[string]string {
		if !on {
			return nil
		}
		return map[string]string{key: path}
	}
	kernel := static.NewLayer(tarOf(t, "unikraft/bin/kernel", []byte("not a kernel")), types.OCIUncompressedLayer)
	initrd := static.NewLayer(tarOf(t, "unikraft/bin/initrd", p.initrd), p.initrdMediaType)
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.ConfigFile(img, &v1.ConfigFile{OS: p.os, Architecture: p.arch, Config: v1.Config{Cmd: p.cmd}})
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.Append(img,
		mutate.Addendum{Layer: kernel, Annotations: annotated("org.unikraft.kernel.image", p.kernelAnnotation, "/unikraft/bin/kernel")},
		mutate.Addendum{Layer: initrd, Annotations: annotated("org.unikraft.kernel.initrd", p.initrdAnnotation, "/unikraft/bin/initrd")})
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: p.os, Architecture: p.arch}}})
	ref, err := name.ParseReference(s.Endpoints().Registry+"/sim/"+repo+":latest", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(s.Endpoints().Token)
	user, secret, _ := strings.Cut(string(raw), ":")
	if err := remote.WriteIndex(ref, idx, remote.WithAuth(&authn.Basic{Username: user, Password: secret})); err != nil {
		t.Fatal(err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return "sim/" + repo + "@" + d.String()
}

// TestImageReader: the simulator reads images as the platform's loader
// does and refuses, with the stop of an unavailable image (stop_reason
// ---P--, stop_code 1 NOMEDIUM), each kind of image kraftkit's loader
// would not take; the well-formed control boots.
func TestImageReader(t *testing.T) {
	var log simtest.SyncBuffer
	s := simtest.Start(t, simtest.Log(&log))
	bin := appBinary(t)
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(b)
		_ = zw.Close()
		return buf.Bytes()
	}
	cases := []struct {
		name   string
		break_ func(*imageParts)
		args   []string
		boots  bool
		why    string // in the simulator's log of the stop
	}{
		{name: "good", break_: func(*imageParts) {}, boots: true},
		{name: "gzipped-initrd", break_: func(p *imageParts) { p.initrd = gz(p.initrd) }, boots: true},
		{name: "cmd-from-args", break_: func(p *imageParts) { p.cmd = nil }, args: []string{"/app"}, boots: true},
		{name: "no-kraftcloud-manifest", break_: func(p *imageParts) { p.os, p.arch = "linux", "amd64" },
			why: "the index has no kraftcloud/x86_64 manifest"},
		{name: "no-kernel-annotation", break_: func(p *imageParts) { p.kernelAnnotation = false },
			why: "no layer is annotated org.unikraft.kernel.image"},
		{name: "no-initrd-annotation", break_: func(p *imageParts) { p.initrdAnnotation = false },
			why: "no layer is annotated org.unikraft.kernel.initrd"},
		{name: "initrd-layer-gzip-type", break_: func(p *imageParts) { p.initrdMediaType = types.OCILayer },
			why: "the layer annotated org.unikraft.kernel.initrd is application/vnd.oci.image.layer.v1.tar+gzip, not application/vnd.oci.image.layer.v1.tar"},
		{name: "initrd-not-newc", break_: func(p *imageParts) { p.initrd = append([]byte{0xe2, 0xe1, 0xf5, 0xe0}, make([]byte, 4096)...) },
			why: "the initrd is not a newc cpio archive"},
		{name: "initrd-old-cpio", break_: func(p *imageParts) { p.initrd = append([]byte("070707"), p.initrd[6:]...) },
			why: "the initrd is not a newc cpio archive"},
		{name: "no-cmd", break_: func(p *imageParts) { p.cmd = nil },
			why: "neither the instance's args nor the image config's cmd say what to run"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := goodParts(t, bin)
			c.break_(&p)
			img := pushParts(t, s, "reader-"+c.name, p)
			name := "reader-" + c.name
			create(t, s, api.CreateInstanceRequest{Name: name, Image: img, Args: c.args, Autostart: true})
			if c.boots {
				waitRunning(t, s, name)
			} else {
				got := waitSettled(t, s, name, 20*time.Second)
				if got.State != api.StateStopped || got.StopReason != api.StopPlatform || uint32(got.StopCode) != 1 || got.StartCount != 1 {
					t.Errorf("%s: state %s stop_reason %s stop_code %d start_count %d, want stopped ---P-- NOMEDIUM",
						c.name, got.State, got.StopReason, got.StopCode, got.StartCount)
				}
				if want := "instance " + name + " stopped: image: image not usable: " + c.why; !strings.Contains(log.String(), want) {
					t.Errorf("the log does not say %q", want)
				}
			}
			instanceCall(t, s, "DELETE", "/v1/instances", []api.Ref{{Name: name}})
		})
	}
}
