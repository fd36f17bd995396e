//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// A build with empty cache volumes must give the same bytes as one with the
// shared, warm volumes: nothing of the machine, the cache or the clock leaks in.
func TestBuildsReproduce(t *testing.T) {
	f := loadFixture(t)
	cold := fmt.Sprintf("cold-%d", time.Now().UnixNano())
	coldArgs := f.moduleArgs("--module-cache="+cold+"-mod", "--build-cache="+cold+"-build")

	warmBin := exportBinary(t, f)
	coldBin := filepath.Join(t.TempDir(), "openfga")
	dagger(t, 40*time.Minute, append(coldArgs, "binary", "export", "--path="+coldBin)...).must(t)
	if a, b := sha256File(t, warmBin), sha256File(t, coldBin); a != b {
		t.Errorf("binary differs between a warm and a cold build: %s vs %s", a, b)
	} else {
		t.Logf("binary sha256 %s, cold and warm", a)
	}

	warmTar, coldTar := exportFile(t, "tarball", f.moduleArgs()...), exportFile(t, "tarball", coldArgs...)
	if a, b := sha256File(t, warmTar), sha256File(t, coldTar); a != b {
		t.Errorf("image tarball differs between a warm and a cold build: %s vs %s", a, b)
	} else {
		t.Logf("image tarball sha256 %s, cold and warm", a)
	}

	// Dagger's own export stamps snapshot times into the config; the layers must still match.
	warmImg, coldImg := loadImage(t, exportImage(t, f.moduleArgs()...)), loadImage(t, exportImage(t, coldArgs...))
	a, _ := warmImg.ConfigFile()
	b, _ := coldImg.ConfigFile()
	if !slices.Equal(a.RootFS.DiffIDs, b.RootFS.DiffIDs) {
		t.Errorf("image layers differ between a warm and a cold build: %v vs %v", a.RootFS.DiffIDs, b.RootFS.DiffIDs)
	}
}

// exportFile writes `dagger call <fn> export` to a file and returns its path.
func exportFile(t *testing.T, fn string, args ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), fn)
	dagger(t, 30*time.Minute, append(args, fn, "export", "--path="+path)...).must(t)
	return path
}
