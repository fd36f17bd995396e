package sim_test

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
)

// TestLoaderRules checks each rule of loader.go on hand-made root
// filesystems (no root or namespaces needed).
func TestLoaderRules(t *testing.T) {
	static := appBinary(t)
	pie := appBinary(t, "-buildmode=pie")
	arm := armELF(t)
	cases := []struct {
		name  string
		files map[string]file
		links map[string]string
		argv  []string
		env   []string
		code  int
		path  string
	}{
		{name: "static", files: map[string]file{"app": {src: static, mode: 0o755}}, argv: []string{"/app"}, path: "/app"},
		{name: "missing", argv: []string{"/usr/bin/openfga"}, code: sim.ExitENOENT},
		{name: "no cmd", argv: nil, code: sim.ExitENOENT},
		{name: "no exec bit", files: map[string]file{"app": {src: static, mode: 0o644}}, argv: []string{"/app"}, code: sim.ExitEACCES},
		{name: "directory", files: map[string]file{"app/x": {content: "x", mode: 0o644}}, argv: []string{"/app"}, code: sim.ExitEACCES},
		{name: "not an ELF", files: map[string]file{"app": {content: "hello\n", mode: 0o755}}, argv: []string{"/app"}, code: sim.ExitENOEXEC},
		{name: "other machine", files: map[string]file{"app": {src: arm, mode: 0o755}}, argv: []string{"/app"}, code: sim.ExitENOEXEC},
		{name: "dynamic pie, no ld.so", files: map[string]file{"app": {src: pie, mode: 0o755}}, argv: []string{"/app"}, code: sim.ExitEACCES},
		{name: "dynamic pie, ld.so via absolute symlink",
			files: map[string]file{"app": {src: pie, mode: 0o755}, "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2": {src: static, mode: 0o755}},
			links: map[string]string{"lib64/ld-linux-x86-64.so.2": "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"},
			argv:  []string{"/app"}, path: "/app"},
		{name: "symlink cannot escape the rootfs", links: map[string]string{"app": "../../../../../../bin/true"}, argv: []string{"/app"}, code: sim.ExitENOENT},
		{name: "PATH lookup", files: map[string]file{"usr/local/bin/app": {src: static, mode: 0o755}}, argv: []string{"app"}, path: "/usr/local/bin/app"},
		{name: "image PATH", files: map[string]file{"opt/bin/app": {src: static, mode: 0o755}}, argv: []string{"app"}, env: []string{"PATH=/opt/bin"}, path: "/opt/bin/app"},
		{name: "script", files: map[string]file{"wrapper.sh": {content: "#!/bin/sh\nexec /app\n", mode: 0o755}, "bin/sh": {src: static, mode: 0o755}},
			argv: []string{"/wrapper.sh"}, path: "/wrapper.sh"},
		{name: "script without its interpreter", files: map[string]file{"wrapper.sh": {content: "#!/bin/sh\n", mode: 0o755}},
			argv: []string{"/wrapper.sh"}, code: sim.ExitENOENT},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			for p, f := range c.files {
				writeFile(t, filepath.Join(root, p), f)
			}
			for p, target := range c.links {
				dst := filepath.Join(root, p)
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, dst); err != nil {
					t.Fatal(err)
				}
			}
			path, code := sim.Load(root, c.argv, c.env)
			if code != c.code || (c.code == 0 && path != c.path) {
				t.Errorf("load(%v) = exit %d path %q, want exit %d path %q", c.argv, code, path, c.code, c.path)
			}
		})
	}
}

// armELF writes a bare ELF64 executable header for aarch64.
func armELF(t *testing.T) string {
	t.Helper()
	h := make([]byte, 64)
	copy(h, "\x7fELF")
	h[4], h[5], h[6] = 2, 1, 1                 // ELFCLASS64, little endian, version 1
	binary.LittleEndian.PutUint16(h[16:], 2)   // ET_EXEC
	binary.LittleEndian.PutUint16(h[18:], 183) // EM_AARCH64
	binary.LittleEndian.PutUint32(h[20:], 1)
	binary.LittleEndian.PutUint16(h[52:], 64) // e_ehsize
	p := filepath.Join(t.TempDir(), "arm")
	if err := os.WriteFile(p, h, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}
