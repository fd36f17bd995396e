package sim

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// errLoop is ELOOP: too many symlinks.
var errLoop = errors.New("too many levels of symbolic links")

// resolveIn resolves p as the app would see it with rootfs as "/": every
// symlink, absolute or relative, is followed inside rootfs, and ".." stops
// at its root. It returns the host path of the final file (which may not
// exist; the caller stats it). Images carry absolute symlinks
// (/lib64/ld-linux-x86-64.so.2 → /lib/x86_64-linux-gnu/...), which os.Root
// refuses, hence this resolver; it only ever reads.
func resolveIn(rootfs, p string) (string, error) {
	done := "/"
	todo := strings.Split(strings.TrimPrefix(path.Clean("/"+p), "/"), "/")
	for hops := 0; len(todo) > 0; {
		c := todo[0]
		todo = todo[1:]
		if c == "" || c == "." {
			continue
		}
		if c == ".." {
			done = path.Dir(done)
			continue
		}
		next := path.Join(done, c)
		target, err := os.Readlink(filepath.Join(rootfs, next))
		if err != nil { // not a symlink, or does not exist: take it as is
			done = next
			continue
		}
		if hops++; hops > 40 {
			return "", errLoop
		}
		if strings.HasPrefix(target, "/") {
			done = "/"
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	return filepath.Join(rootfs, done), nil
}
