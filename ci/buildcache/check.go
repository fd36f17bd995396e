package buildcache

import (
	"bytes"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/rootpath"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// Check holds the image u to the inputs it is found under: its label
// says in, its command is in's, its kernel is the runtime rt's, its
// binary was built by the Go toolchain the label names with the build's
// settings and stamp, and every file of the overlay directory is in its
// root as it is on disk. A label can be written by anyone who can push;
// the content is what is checked.
func Check(u *unikernel.Unikernel, rt *unikernel.Runtime, in Inputs, overlay string) error {
	var built Built
	if err := json.Unmarshal([]byte(u.Labels()[Label]), &built); err != nil {
		return fmt.Errorf("its %s label is not the inputs of a build: %v", Label, err)
	}
	switch {
	case built.Inputs.Key() != in.Key():
		return fmt.Errorf("its label names other inputs")
	case !slices.Equal(u.Cmd(), in.Cmd):
		return fmt.Errorf("its command is %q, not %q", u.Cmd(), in.Cmd)
	}
	if err := sameKernel(u, rt); err != nil {
		return err
	}
	root, err := os.MkdirTemp("", "buildcache-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	if err := u.UnpackRootfs(root); err != nil {
		return err
	}
	if len(in.Cmd) == 0 {
		return fmt.Errorf("the inputs have no command")
	}
	bin, err := rootpath.Resolve(root, in.Cmd[0])
	if err != nil {
		return err
	}
	if err := checkBinary(bin, built); err != nil {
		return err
	}
	return sameFiles(root, overlay)
}

// sameKernel: the image's kernel layer is one of the runtime's.
func sameKernel(u *unikernel.Unikernel, rt *unikernel.Runtime) error {
	for _, l := range u.Manifest.Layers {
		if _, ok := l.Annotations[unikernel.AnnotationKernel]; !ok {
			continue
		}
		for _, r := range rt.Layers {
			if r.Descriptor.Digest == l.Digest {
				return nil
			}
		}
		return fmt.Errorf("its kernel %s is not the runtime %s's", l.Digest, rt.Ref)
	}
	return fmt.Errorf("it has no kernel layer")
}

// checkBinary reads the binary's Go build information and stamp.
func checkBinary(path string, built Built) error {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return fmt.Errorf("its binary %s has no Go build information: %v", filepath.Base(path), err)
	}
	if info.GoVersion != built.GoVersion {
		return fmt.Errorf("its binary was built by %s, its label says %s", info.GoVersion, built.GoVersion)
	}
	want := map[string]string{"CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": "amd64", "-tags": "netgo", "-trimpath": "true", "-buildmode": "exe"}
	for _, s := range info.Settings {
		if w, ok := want[s.Key]; ok {
			if s.Value != w {
				return fmt.Errorf("its binary was built with %s=%s, not %s", s.Key, s.Value, w)
			}
			delete(want, s.Key)
		}
	}
	if len(want) > 0 {
		return fmt.Errorf("its binary's build information lacks %v", slices.Sorted(maps.Keys(want)))
	}
	// -trimpath keeps -ldflags out of the build information: the stamp's
	// values are looked for in the binary itself.
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	stamp := []string{built.Version, built.Commit}
	if built.Date != "" { // else read from the commit, which fixes it
		stamp = append(stamp, built.Date)
	}
	for _, v := range stamp {
		if !bytes.Contains(b, []byte(v)) {
			return fmt.Errorf("its binary is not stamped %s", v)
		}
	}
	return nil
}

// sameFiles: each file of the overlay is in root with its content and mode.
func sameFiles(root, overlay string) error {
	return filepath.WalkDir(overlay, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(overlay, path)
		want, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		got, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil || !bytes.Equal(got, want) {
			return fmt.Errorf("its /%s is not the overlay's", filepath.ToSlash(rel))
		}
		return nil
	})
}
