package deploy

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/buildcache"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/gobuild"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// overlayRoot is a rootfs of the OpenFGA binary with the repository's
// rootfs/ overlay laid over it, and the overlay's directory.
func overlayRoot(t *testing.T, bin string) (string, string) {
	t.Helper()
	root := simtest.Rootfs(t, bin, 0o755)
	overlay, err := filepath.Abs("../../rootfs")
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(overlay, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(overlay, path)
		b, err := os.ReadFile(path)
		if err == nil {
			err = os.MkdirAll(filepath.Join(root, filepath.Dir(rel)), 0o755)
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(root, rel), b, 0o644)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return root, overlay
}

// stampOfBinary is what `openfga version` says of bin.
func stampOfBinary(t *testing.T, bin string) (version, commit, date string) {
	t.Helper()
	out, err := exec.Command(bin, "version").CombinedOutput()
	m := regexp.MustCompile("version `([^`]+)` build from `([^`]+)` on `([^`]+)`").FindStringSubmatch(string(out))
	if err != nil || m == nil {
		t.Fatalf("%s version: %v\n%s", bin, err, out)
	}
	return m[1], m[2], m[3]
}

// The registry as a build cache: a first deploy finds no image made from
// its inputs, builds and tags one; the next finds it, checks it and
// deploys it without building (a no-op then); changed inputs find
// nothing; an image pushed under the inputs' tag whose content is not
// what its label claims is refused.
func TestRegistryBuildCache(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	s := simtest.Start(t)
	root, overlay := overlayRoot(t, bin)
	hash, err := buildcache.HashTree(overlay)
	if err != nil {
		t.Fatal(err)
	}
	version, commit, date := stampOfBinary(t, bin)
	in := buildcache.Inputs{Version: version, Commit: commit, Date: date,
		Build: gobuild.Recipe(), Overlay: hash, Cmd: []string{"/usr/bin/openfga", "run"}}
	const name = "cached"
	var log simtest.SyncBuffer
	opts := func() Options {
		o := simOptions(t, s, root, name, &log)
		o.Memory = "256"
		return o
	}

	_, full, err := FindBuild(context.Background(), opts(), in, overlay)
	if !errors.Is(err, buildcache.ErrNone) || !strings.Contains(full.Runtime, "@sha256:") {
		t.Fatalf("before any build: %v (runtime %s)", err, full.Runtime)
	}
	o := opts()
	o.Inputs, o.Runtime = &full, full.Runtime
	first, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("first deploy: %v\n%s", err, log.String())
	}

	image, again, err := FindBuild(context.Background(), opts(), in, overlay)
	if err != nil || !strings.HasSuffix(image, "@"+first.Digest) || again.Key() != full.Key() {
		t.Fatalf("after the build: %q %v, want the image %s", image, err, first.Digest)
	}
	o = opts()
	o.Rootfs, o.Image = "", image
	reused, err := Run(context.Background(), o)
	if err != nil || reused.Changed != ChangeNone || reused.UUID != first.UUID {
		t.Fatalf("deploy of the image found: changed %v, uuid %s (was %s), %v\n%s", reused.Changed, reused.UUID, first.UUID, err, log.String())
	}

	other := in
	other.Commit = strings.Repeat("0", 40)
	if _, _, err := FindBuild(context.Background(), opts(), other, overlay); !errors.Is(err, buildcache.ErrNone) {
		t.Errorf("another commit: %v, want none", err)
	}

	// Reading the date from the commit, the module leaves it out of the
	// inputs (the commit fixes it): found after a push under them, and the
	// binary still held to the commit.
	dateless := in
	dateless.Date = ""
	for _, c := range []struct{ commit, refusal string }{{commit, ""}, {strings.Repeat("1", 40), "is not stamped " + strings.Repeat("1", 40)}} {
		dateless.Commit = c.commit
		_, full, _ := FindBuild(context.Background(), opts(), dateless, overlay)
		o = opts()
		o.Inputs, o.Runtime, o.Force = &full, full.Runtime, true
		if _, err := Run(context.Background(), o); err != nil {
			t.Fatalf("the push under inputs without a date: %v\n%s", err, log.String())
		}
		_, _, err := FindBuild(context.Background(), opts(), dateless, overlay)
		if c.refusal == "" && err != nil || c.refusal != "" && (err == nil || !strings.Contains(err.Error(), c.refusal)) {
			t.Errorf("inputs without a date, commit %s: %v, want %q", c.commit, err, c.refusal)
		}
	}

	// someone pushes other content under the same inputs' tag
	if err := os.WriteFile(filepath.Join(root, "etc", "hosts"), []byte("10.0.0.66 evil\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o = opts()
	o.Inputs, o.Runtime, o.Force = &full, full.Runtime, true
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatalf("the tampered push: %v", err)
	}
	if _, _, err := FindBuild(context.Background(), opts(), in, overlay); err == nil || errors.Is(err, buildcache.ErrNone) ||
		!strings.Contains(err.Error(), "/etc/hosts is not the overlay's") {
		t.Errorf("an image whose content is not its label's: %v", err)
	}
}
