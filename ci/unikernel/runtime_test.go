package unikernel

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func TestRuntimeFromImageChecks(t *testing.T) {
	if _, err := RuntimeFromImage("decoy", decoyImage(t)); err == nil || !strings.Contains(err.Error(), "linux/amd64") {
		t.Errorf("linux image accepted as runtime: %v", err)
	}
	// kraftkit copies every runtime layer, not just the kernel (oci/pack.go
	// NewPackageFromTarget adopts the runtime manifest's layer list).
	extra, err := mutate.Append(fakeRuntimeImage(t), mutate.Addendum{
		Layer: static.NewLayer([]byte("x"), types.OCIUncompressedLayer),
	})
	must(t, err)
	rt, err := RuntimeFromImage("extra", extra)
	must(t, err)
	if len(rt.Layers) != 2 {
		t.Errorf("runtime layers: %d, want 2", len(rt.Layers))
	}
	// A runtime without a layer annotated as the kernel is refused.
	bare, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: PlatformOS, Architecture: PlatformArch})
	must(t, err)
	bare, err = mutate.AppendLayers(bare, static.NewLayer([]byte("x"), types.OCIUncompressedLayer))
	must(t, err)
	if _, err := RuntimeFromImage("bare", bare); err == nil || !strings.Contains(err.Error(), AnnotationKernel) {
		t.Errorf("runtime without kernel layer accepted: %v", err)
	}
}

func TestSelectFromIndex(t *testing.T) {
	kc := v1.Descriptor{Platform: &v1.Platform{OS: PlatformOS, Architecture: PlatformArch}}
	marked := kc
	marked.Annotations = map[string]string{AnnotationKraftkitVersion: "0.9.2"}
	two := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: fakeRuntimeImage(t), Descriptor: kc},
		mutate.IndexAddendum{Add: decoyImage(t), Descriptor: kc},
	)
	if _, err := selectFromIndex(two); err == nil || !strings.Contains(err.Error(), "2 kraftcloud/x86_64") {
		t.Errorf("ambiguous index accepted: %v", err)
	}
	tie := mutate.AppendManifests(two, mutate.IndexAddendum{Add: fakeRuntimeImage(t), Descriptor: marked})
	if _, err := selectFromIndex(tie); err != nil {
		t.Errorf("the kraftkit-marked manifest should break the tie: %v", err)
	}
	none := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: decoyImage(t)})
	if _, err := selectFromIndex(none); err == nil {
		t.Error("index without a kraftcloud manifest accepted")
	}
}

func TestInitrdReader(t *testing.T) {
	var archive bytes.Buffer
	archive.WriteString("070701")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(archive.Bytes())
	zw.Close()
	for name, b := range map[string][]byte{"plain": archive.Bytes(), "gzip": gz.Bytes()} {
		if _, err := initrdReader(b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	erofs := append(make([]byte, 1024), 0xe2, 0xe1, 0xf5, 0xe0)
	if _, err := initrdReader(erofs); err == nil || !strings.Contains(err.Error(), "EROFS") {
		t.Errorf("EROFS image: %v", err)
	}
}
