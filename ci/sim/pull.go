package sim

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/cavaliergopher/cpio"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image a run boots, read the way the platform's loader reads what
// kraftkit pushed, with go-containerregistry and a cpio reader of its own,
// none of it the project's packager: the index's kraftcloud/x86_64
// manifest (kraftkit oci/index.go selects by that platform), its config's
// cmd and env, and the layers named by kraftkit's annotations
// (oci/annotations.go) on plain OCI tar layers (oci/pack.go adds the
// initrd as ocispec.MediaTypeImageLayer holding /unikraft/bin/initrd,
// oci/wellknown.go), the initrd being a newc cpio archive (kraftkit
// initrd/), plain or gzip'd. Anything else is an image the loader cannot
// use: the run stops as an unavailable image does (stop_code NOMEDIUM,
// runner.go). The check is at start, not create: the create only pins the
// reference to a digest, as the legacy spec says of image ("translated by
// Unikraft Cloud to the image digest ... at the time of instance
// creation"); the image is read when an instance boots.

// Annotations kraftkit puts on the layer descriptors (kraftkit
// oci/annotations.go).
const (
	annotKernel = "org.unikraft.kernel.image"
	annotInitrd = "org.unikraft.kernel.initrd"
)

// The platform kraftkit packages for (kraftkit's target kraftcloud/x86_64).
const (
	platformOS   = "kraftcloud"
	platformArch = "x86_64"
)

// errBadImage marks an image the loader refuses.
var errBadImage = errors.New("image not usable")

func badImage(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadImage, fmt.Sprintf(format, args...))
}

// bootImage is what a run takes from its image.
type bootImage struct {
	cmd, env []string
}

// pull fetches the instance's image from the simulator's registry, over
// HTTP with the token's login (the one kraftkit pushes with), checks its
// layout and unpacks its initrd into rootfs.
func (s *Sim) pull(ref imageRef, rootfs string) (bootImage, error) {
	r, err := name.ParseReference(s.ep.Registry+"/"+ref.Repo+"@"+ref.Digest, name.Insecure)
	if err != nil {
		return bootImage{}, err
	}
	opts := []remote.Option{remote.WithAuth(&authn.Basic{Username: s.user, Password: s.secret})}
	desc, err := remote.Get(r, opts...)
	if err != nil {
		return bootImage{}, err
	}
	img, err := kraftcloudImage(desc)
	if err != nil {
		return bootImage{}, err
	}
	m, err := img.Manifest()
	if err != nil {
		return bootImage{}, err
	}
	initrd, err := annotatedLayer(m, annotInitrd)
	if err != nil {
		return bootImage{}, err
	}
	if _, err := annotatedLayer(m, annotKernel); err != nil {
		return bootImage{}, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return bootImage{}, fmt.Errorf("image config: %w", err)
	}
	if err := unpackInitrd(img, initrd, rootfs); err != nil {
		return bootImage{}, err
	}
	return bootImage{cmd: cfg.Config.Cmd, env: cfg.Config.Env}, nil
}

// kraftcloudImage picks the kraftcloud/x86_64 image of an index; a bare
// manifest is taken as it is.
func kraftcloudImage(desc *remote.Descriptor) (v1.Image, error) {
	if !desc.MediaType.IsIndex() {
		return desc.Image()
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		return nil, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, d := range im.Manifests {
		if p := d.Platform; p != nil && p.OS == platformOS && p.Architecture == platformArch {
			return idx.Image(d.Digest)
		}
	}
	return nil, badImage("the index has no %s/%s manifest", platformOS, platformArch)
}

// annotatedLayer finds the layer annotated key, which must be an OCI tar
// layer, and returns it with the annotated path.
func annotatedLayer(m *v1.Manifest, key string) (v1.Descriptor, error) {
	for _, l := range m.Layers {
		if p, ok := l.Annotations[key]; ok && p != "" {
			if l.MediaType != types.OCIUncompressedLayer {
				return v1.Descriptor{}, badImage("the layer annotated %s is %s, not %s", key, l.MediaType, types.OCIUncompressedLayer)
			}
			return l, nil
		}
	}
	return v1.Descriptor{}, badImage("no layer is annotated %s", key)
}

// unpackInitrd reads the initrd file out of its tar layer and extracts the
// newc archive into rootfs.
func unpackInitrd(img v1.Image, d v1.Descriptor, rootfs string) error {
	l, err := img.LayerByDigest(d.Digest)
	if err != nil {
		return err
	}
	rc, err := l.Uncompressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	target := path.Join("/", d.Annotations[annotInitrd])
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return badImage("the initrd layer holds no %s", target)
		}
		if err != nil {
			return badImage("the initrd layer is not a tar archive: %v", err)
		}
		if path.Join("/", h.Name) != target {
			continue
		}
		if h.Typeflag != tar.TypeReg {
			return badImage("%s in the initrd layer is not a regular file", target)
		}
		archive, err := newcReader(tr)
		if err != nil {
			return err
		}
		return extract(archive, rootfs)
	}
}

// newcReader accepts a newc archive (magic 070701, or 070702 with
// checksums), plain or gzip'd (kraft --compress); anything else, an EROFS
// image say, is refused.
func newcReader(r io.Reader) (*cpio.Reader, error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(2); bytes.Equal(head, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, badImage("the initrd: %v", err)
		}
		br = bufio.NewReader(zr)
	}
	head, _ := br.Peek(6)
	if string(head) != "070701" && string(head) != "070702" {
		return nil, badImage("the initrd is not a newc cpio archive")
	}
	return cpio.NewReader(br), nil
}

// extract unpacks the archive into dst through os.Root, so no entry (nor
// a symlink of the archive) reaches outside it; names with ".." are
// refused. Regular files, directories and symlinks are made with their
// permission bits (directories' last, so read-only ones can be filled);
// hard links share the data of their last entry, which newc writers give
// it; devices and fifos are skipped; owners and times are not restored.
func extract(cr *cpio.Reader, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dst)
	if err != nil {
		return err
	}
	defer root.Close()
	type dirMode struct {
		name string
		mode fs.FileMode
	}
	var dirs []dirMode
	links := map[int64][]string{} // inode → entries still without data
	for {
		h, err := cr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return badImage("the initrd: %v", err)
		}
		name, err := entryName(h.Name)
		if err != nil {
			return err
		}
		if name == "." {
			continue
		}
		if err := root.MkdirAll(path.Dir(name), 0o755); err != nil {
			return err
		}
		mode := fs.FileMode(h.Mode.Perm())
		switch {
		case h.Mode.IsDir():
			if err := root.Mkdir(name, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
			dirs = append(dirs, dirMode{name, mode})
		case h.Mode&cpio.ModeType == cpio.TypeSymlink:
			_ = root.Remove(name)
			if err := root.Symlink(h.Linkname, name); err != nil {
				return err
			}
		case h.Mode.IsRegular():
			if h.Links > 1 && h.Size == 0 {
				links[h.Inode] = append(links[h.Inode], name)
				continue
			}
			if err := writeFile(root, name, cr, mode); err != nil {
				return err
			}
			for _, other := range links[h.Inode] {
				_ = root.Remove(other)
				if err := root.Link(name, other); err != nil {
					return err
				}
			}
			delete(links, h.Inode)
		}
	}
	for _, names := range links { // hard links whose data never came: empty files
		for _, n := range names {
			if err := writeFile(root, n, strings.NewReader(""), 0o644); err != nil {
				return err
			}
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := root.Chmod(dirs[i].name, dirs[i].mode); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(root *os.Root, name string, r io.Reader, mode fs.FileMode) error {
	_ = root.Remove(name)
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return root.Chmod(name, mode)
}

// entryName maps an archive name ("./a", "/a", "a") to a path relative to
// the target, "." for the root, and refuses ".." anywhere.
func entryName(n string) (string, error) {
	for _, el := range strings.Split(n, "/") {
		if el == ".." {
			return "", badImage("the initrd entry %q leaves the root", n)
		}
	}
	p := path.Clean("/" + n)
	if p == "/" {
		return ".", nil
	}
	return p[1:], nil
}
