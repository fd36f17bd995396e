package pgimage

import (
	"debug/elf"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/rootpath"
)

// libDirs are where Debian's glibc loader looks without an ld.so.cache
// (its built-in trusted directories on x86_64).
var libDirs = []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"}

// checkLoadable proves that the entry point's programs (postgres, initdb,
// /bin/sh) load: their interpreter and every DT_NEEDED, transitively, are
// in the rootfs. Extension modules that cannot load (they need libraries
// of packages not in the image, e.g. libuuid, libselinux) are removed and
// listed; a program that cannot load is an error naming the library.
func checkLoadable(root, major string) ([]string, error) {
	bin := "/usr/lib/postgresql/" + major + "/bin/"
	for _, prog := range []string{bin + "postgres", bin + "initdb", "/bin/sh"} {
		if err := loadable(root, prog); err != nil {
			return nil, fmt.Errorf("pgimage: %s cannot be loaded: %w (add the package that ships it to .ci/pg-rootfs.sh)", prog, err)
		}
	}
	modDir := "/usr/lib/postgresql/" + major + "/lib"
	mods, err := filepath.Glob(filepath.Join(root, modDir, "*.so"))
	if err != nil {
		return nil, err
	}
	var dropped []string
	for _, m := range mods {
		p := modDir + "/" + filepath.Base(m)
		if err := loadable(root, p); err != nil {
			if rmErr := os.Remove(m); rmErr != nil {
				return nil, rmErr
			}
			dropped = append(dropped, fmt.Sprintf("%s (%v)", p, err))
		}
	}
	return dropped, nil
}

// loadable walks the DT_NEEDED graph from p (a path inside root).
func loadable(root, p string) error {
	seen := map[string]bool{}
	queue := []string{p}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if seen[cur] {
			continue
		}
		seen[cur] = true
		needed, interp, err := elfDeps(root, cur)
		if err != nil {
			return fmt.Errorf("%s: %w", cur, err)
		}
		if interp != "" {
			if _, err := rootpath.Find(root, interp); err != nil {
				return fmt.Errorf("interpreter %s of %s is missing", interp, cur)
			}
		}
		for _, n := range needed {
			lib, ok := findLib(root, n)
			if !ok {
				return fmt.Errorf("%s (needed by %s) is missing", n, path.Base(cur))
			}
			queue = append(queue, lib)
		}
	}
	return nil
}

// elfDeps reads the DT_NEEDED list and PT_INTERP of a file; a script (the
// "#!" of /bin/sh's target is never one here) has none.
func elfDeps(root, p string) ([]string, string, error) {
	host, err := rootpath.Find(root, p)
	if err != nil {
		return nil, "", err
	}
	f, err := elf.Open(host)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	needed, err := f.ImportedLibraries()
	if err != nil {
		return nil, "", err
	}
	interp := ""
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			b := make([]byte, prog.Filesz)
			if _, err := prog.ReadAt(b, 0); err != nil {
				return nil, "", err
			}
			interp = strings.TrimRight(string(b), "\x00")
		}
	}
	return needed, interp, nil
}

func findLib(root, soname string) (string, bool) {
	for _, d := range libDirs {
		p := d + "/" + soname
		if _, err := rootpath.Find(root, p); err == nil {
			return p, true
		}
	}
	return "", false
}
