// Package ociimage writes a root filesystem as a bit-reproducible OCI image
// tarball: one layer, every file owned by root with one fixed mtime, entries
// in a fixed order, and a config whose timestamps are that same instant.
//
// Dagger v0.19's Container.export stamps the config and history with the
// times its snapshots were made, so a cold and a warm build of the same bytes
// export differently; this is the export that does not.
package ociimage

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Config is what the image says about itself.
type Config struct {
	Entrypoint []string
	Cmd        []string
	Env        []string
	Labels     map[string]string
	Created    time.Time // also every file's mtime: the commit date, never the build time
}

// Image builds the image of the directory root.
func Image(root string, c Config) (v1.Image, error) {
	layerTar, err := LayerTar(root, c.Created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: c.Created}, CreatedBy: "openfga-kraftcloud rootfs"},
	})
	if err != nil {
		return nil, err
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.Architecture, cfg.OS = "amd64", "linux"
	cfg.Created = v1.Time{Time: c.Created}
	cfg.Config = v1.Config{Entrypoint: c.Entrypoint, Cmd: c.Cmd, Env: c.Env, Labels: c.Labels}
	return mutate.ConfigFile(img, cfg)
}

// LayerTar is the directory as an uncompressed tar: paths sorted, owner root,
// mtime fixed, permission bits kept, nothing else of the host.
func LayerTar(root string, mtime time.Time) ([]byte, error) {
	paths, err := walk(root)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, rel := range paths {
		if err := addEntry(tw, root, rel, mtime); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func walk(root string) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, err := filepath.Rel(root, p)
		paths = append(paths, filepath.ToSlash(rel))
		return err
	})
	sort.Strings(paths)
	return paths, err
}

func addEntry(tw *tar.Writer, root, rel string, mtime time.Time) error {
	full := filepath.Join(root, filepath.FromSlash(rel))
	fi, err := os.Lstat(full)
	if err != nil {
		return err
	}
	h := &tar.Header{Name: rel, Mode: int64(fi.Mode().Perm()), ModTime: mtime, Format: tar.FormatPAX}
	switch {
	case fi.IsDir():
		h.Typeflag, h.Name = tar.TypeDir, rel+"/"
	case fi.Mode()&fs.ModeSymlink != 0:
		h.Typeflag = tar.TypeSymlink
		if h.Linkname, err = os.Readlink(full); err != nil {
			return err
		}
	case fi.Mode().IsRegular():
		h.Typeflag, h.Size = tar.TypeReg, fi.Size()
	default:
		return fmt.Errorf("%s: %v files have no place in the image", rel, fi.Mode().Type())
	}
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	if h.Typeflag != tar.TypeReg {
		return nil
	}
	f, err := os.Open(full)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}
