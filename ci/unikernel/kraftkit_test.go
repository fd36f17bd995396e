package unikernel

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Rebuilds a worked example of what kraftkit 0.9.2's kraft cloud deploy packs
// for OpenFGA (user alice, cmd /usr/bin/openfga run, one env var, a runtime
// with two features and CONFIG_UK_FULLVERSION 0.17.0~abcdef0) and checks the
// digests and sizes of config, manifest and index. Those were computed by
// applying the rules of kraftkit's packager (unikraft/kraftkit @f02a533) to
// image-spec v1.1.0 structs with json.Marshal, not captured from a kraftkit
// run. The kernel and initrd digests are illustrative (1111…, 2222…), so
// this test feeds those descriptors to assemble directly.
func TestReproducesTheWorkedExample(t *testing.T) {
	ref, err := ParseRef("index.unikraft.io/alice/openfga:latest")
	must(t, err)
	base := ocispec.Image{
		Platform: ocispec.Platform{
			Architecture: "x86_64", OS: "kraftcloud", OSVersion: "0.17.0~abcdef0",
			OSFeatures: []string{"CONFIG_LIBPOSIX_PROCESS=y", "CONFIG_LIBUKCPIO=y"},
		},
	}
	layers := []ocispec.Descriptor{
		{
			MediaType: ocispec.MediaTypeImageLayer, Digest: repeatDigest('1'), Size: 1234432,
			Annotations: map[string]string{AnnotationKernel: KernelPath},
		},
		{
			MediaType: ocispec.MediaTypeImageLayer, Digest: repeatDigest('2'), Size: 52430336,
			Annotations: map[string]string{AnnotationInitrd: InitrdPath},
		},
	}
	spec := &Spec{
		Ref: ref,
		Cmd: []string{"/usr/bin/openfga", "run"},
		Env: []string{
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"OPENFGA_HTTP_ADDR=0.0.0.0:8080",
		},
		Created: time.Date(2024, 10, 21, 12, 0, 0, 0, time.UTC),
	}
	docs, err := assemble(base, layers, spec)
	must(t, err)
	for _, c := range []struct {
		what   string
		b      []byte
		digest string
		size   int
	}{
		{"config", docs.config, "b4f46614fadedd033e381a0c49b55757f2a8ddc6dccdd6d7d3fb73f0ed107edb", 528},
		{"manifest", docs.manifest, "e3edcb87900b0fd04b38462c89b6294fb1c26c3cfaef3e73d127c2d883e36cf2", 1188},
		{"index", docs.index, "13b77e8d71cab21cf6d20ea4842db4844c0ea66610879f8fee5cf2693e11843a", 924},
	} {
		if got := fmt.Sprintf("%x", sha256.Sum256(c.b)); got != c.digest || len(c.b) != c.size {
			t.Errorf("%s: sha256:%s (%d bytes), want sha256:%s (%d bytes)\n%s", c.what, got, len(c.b), c.digest, c.size, c.b)
		}
	}
}

func repeatDigest(c byte) digest.Digest {
	return digest.Digest("sha256:" + strings.Repeat(string(c), 64))
}

// The header kraftkit's archive/archive.go TarFileWriter writes through Go's
// archive/tar for a single-entry layer tar (here a 13-byte initrd of mode
// 0644), field by field, and the blob size rule: one header block, the data
// padded to 512 bytes, two zero blocks.
func TestLayerTarMatchesKraftkit(t *testing.T) {
	b, err := tarFile(InitrdPath, []byte("0123456789abc"))
	must(t, err)
	fields := []struct {
		off  int
		want string
	}{
		{0, "unikraft/bin/initrd\x00"},
		{100, "0000644\x00"},            // mode
		{108, "0000000\x000000000\x00"}, // uid, gid
		{124, "00000000015\x00"},        // size 13 (octal 15)
		{136, "00000000000\x00"},        // mtime 0
		{148, "013010\x00 0"},           // checksum, typeflag '0'
		{257, "ustar\x0000"},            // USTAR magic and version
		{265, strings.Repeat("\x00", 64)},
		{329, "0000000\x000000000\x00"}, // devmajor, devminor
		{345, strings.Repeat("\x00", 155)},
	}
	for _, f := range fields {
		if got := string(b[f.off : f.off+len(f.want)]); got != f.want {
			t.Errorf("offset %d: %q, want %q", f.off, got, f.want)
		}
	}
	if len(b) != 512+512+1024 {
		t.Errorf("blob is %d bytes, want 512 + 512 + 1024", len(b))
	}
}
