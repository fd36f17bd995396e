// Package rootpath resolves paths inside a root filesystem laid out in a
// directory, as a program running with that directory as "/" would see them.
// The deploy's preflight, the PostgreSQL image's library closure and the
// simulator's loader all ask this question of an image's rootfs.
package rootpath

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ErrLoop is ELOOP: too many symbolic links.
var ErrLoop = errors.New("too many levels of symbolic links")

// ErrNotFound is returned by Find for a path that does not exist.
var ErrNotFound = errors.New("not found in the root filesystem")

// Resolve resolves p with root as "/": every symlink, absolute or relative,
// is followed inside root, and ".." stops at its top. It returns the host
// path of the final file, which may not exist (the caller stats it). Images
// carry absolute symlinks (/lib64/ld-linux-x86-64.so.2 → /lib/x86_64-linux-gnu/…),
// which os.Root refuses, hence this resolver; it only ever reads.
func Resolve(root, p string) (string, error) {
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
		target, err := os.Readlink(filepath.Join(root, next))
		if err != nil { // not a symlink, or does not exist: take it as is
			done = next
			continue
		}
		if hops++; hops > 40 {
			return "", ErrLoop
		}
		if strings.HasPrefix(target, "/") {
			done = "/"
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	return filepath.Join(root, done), nil
}

// Find is Resolve for a file that must exist.
func Find(root, p string) (string, error) {
	host, err := Resolve(root, p)
	if err != nil {
		return "", err
	}
	if _, err := os.Lstat(host); err != nil {
		return "", ErrNotFound
	}
	return host, nil
}
