package ociimage

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// TarScript is a POSIX shell script that writes the entries below dir into
// the tar file out, deterministically: paths sorted bytewise and relative
// (no "./"), GNU format (no PAX times), owner and group 0 without names,
// every mtime at mtime. Nothing of the machine or the clock gets in.
func TarScript(dir, out string, mtime time.Time) string {
	return fmt.Sprintf(`set -eu
cd %[1]s
find . -mindepth 1 -printf '%%P\n' | LC_ALL=C sort > /tmp/ociimage.list
tar --no-recursion --format=gnu --numeric-owner --owner=0 --group=0 --mtime=@%[3]d -T /tmp/ociimage.list -cf %[2]s
`, quote(dir), quote(out), mtime.Unix())
}

// LayerScript writes the layer of the root filesystem at root into dir
// (layer.tar.gz), and prints "<sha256 of the tar> <sha256 of the gzip> <gzip size>",
// which ParseLayer reads. gzip -n leaves out the name and the time.
func LayerScript(root, dir string, mtime time.Time) string {
	return TarScript(root, dir+"/layer.tar", mtime) + fmt.Sprintf(`gzip -9 -n -c %[1]s/layer.tar > %[1]s/layer.tar.gz
echo "$(sha256sum < %[1]s/layer.tar | cut -d' ' -f1) $(sha256sum < %[1]s/layer.tar.gz | cut -d' ' -f1) $(stat -c %%s %[1]s/layer.tar.gz)"
rm %[1]s/layer.tar
`, quote(dir))
}

// ParseLayer reads what LayerScript printed.
func ParseLayer(out string) (Layer, error) {
	f := strings.Fields(out)
	if len(f) != 3 {
		return Layer{}, fmt.Errorf("ociimage: layer script printed %q, want \"<diff id> <digest> <size>\"", out)
	}
	diff, err1 := v1.NewHash("sha256:" + f[0])
	dig, err2 := v1.NewHash("sha256:" + f[1])
	size, err3 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return Layer{}, fmt.Errorf("ociimage: layer script printed %q", out)
	}
	return Layer{Digest: dig, Size: size, DiffID: diff}, nil
}

// quote single-quotes s for the shell.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
