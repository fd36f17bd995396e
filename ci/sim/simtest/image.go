package simtest

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/cpio"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// Rootfs lays out a root filesystem in a test temp dir: /usr/bin/openfga, a
// copy of bin with mode, where the project's images keep the app, and an
// /etc/hosts naming localhost.
func Rootfs(t testing.TB, bin string, mode os.FileMode) string {
	t.Helper()
	root := t.TempDir()
	dst := filepath.Join(root, "usr", "bin", "openfga")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := copyFile(bin, dst, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "hosts"), []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// copyFile copies src to dst with exactly mode (the umask does not apply).
func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, mode)
}

// PushOption names the image Push makes.
type PushOption func(*pushConfig)

type pushConfig struct{ name, tag string }

// Name is the image's name in the token user's namespace; default "app".
func Name(name string) PushOption { return func(c *pushConfig) { c.name = name } }

// Tag is the image's tag; default "latest".
func Tag(tag string) PushOption { return func(c *pushConfig) { c.tag = tag } }

// Push packages the root filesystem in rootfs as a KraftCloud unikernel
// image on the simulator's base-compat runtime, with cmd as its command, the
// way a deploy does (ci/unikernel), and pushes it to the simulator's
// registry with the token's login. It returns the image as the API's
// create takes it: "<namespace>/<name>@sha256:…".
func Push(t testing.TB, s *sim.Sim, rootfs string, cmd []string, opts ...PushOption) string {
	t.Helper()
	c := pushConfig{name: "app", tag: "latest"}
	for _, o := range opts {
		o(&c)
	}
	ep := s.Endpoints()
	user, secret, ns, err := login(ep.Token)
	if err != nil {
		t.Fatal(err)
	}
	acc := unikernel.Access{Username: user, Password: secret, PlainHTTP: true}
	ctx := t.Context()
	rt, err := unikernel.PullRuntime(ctx, ep.Registry+"/"+sim.BaseCompat, acc)
	if err != nil {
		t.Fatal(err)
	}
	initrd, err := unikernel.InitrdFromDir(rootfs, cpio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := unikernel.NewRef(ep.Registry, ns, c.name, c.tag)
	if err != nil {
		t.Fatal(err)
	}
	img, err := unikernel.Build(rt, initrd, unikernel.Spec{Ref: ref, Cmd: cmd})
	if err != nil {
		t.Fatal(err)
	}
	digest, err := unikernel.Push(ctx, img, acc)
	if err != nil {
		t.Fatal(err)
	}
	return ref.PlatformImage(digest)
}

// login is the registry login a platform token decodes to (base64 of
// "user:secret") and the user's image namespace: the user without
// "robot$" and ".users.kraftcloud", as kraftkit derives it.
func login(token string) (user, secret, namespace string, err error) {
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return "", "", "", fmt.Errorf("simtest: the token is not base64: %w", err)
	}
	user, secret, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" || secret == "" {
		return "", "", "", fmt.Errorf("simtest: the token is not base64(\"user:secret\")")
	}
	return user, secret, strings.TrimSuffix(strings.TrimPrefix(user, "robot$"), ".users.kraftcloud"), nil
}
