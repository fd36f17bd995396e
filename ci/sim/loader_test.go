package sim

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// TestLoaderRules checks each rule of loader.go on hand-made root
// filesystems (no root or namespaces needed).
func TestLoaderRules(t *testing.T) {
	static := buildApp(t)
	pie := buildApp(t, "-buildmode=pie")
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
		{name: "missing", argv: []string{"/usr/bin/openfga"}, code: exitENOENT},
		{name: "no cmd", argv: nil, code: exitENOENT},
		{name: "no exec bit", files: map[string]file{"app": {src: static, mode: 0o644}}, argv: []string{"/app"}, code: exitEACCES},
		{name: "directory", files: map[string]file{"app/x": {content: "x", mode: 0o644}}, argv: []string{"/app"}, code: exitEACCES},
		{name: "not an ELF", files: map[string]file{"app": {content: "hello\n", mode: 0o755}}, argv: []string{"/app"}, code: exitENOEXEC},
		{name: "other machine", files: map[string]file{"app": {src: arm, mode: 0o755}}, argv: []string{"/app"}, code: exitENOEXEC},
		{name: "dynamic pie, no ld.so", files: map[string]file{"app": {src: pie, mode: 0o755}}, argv: []string{"/app"}, code: exitEACCES},
		{name: "dynamic pie, ld.so via absolute symlink",
			files: map[string]file{"app": {src: pie, mode: 0o755}, "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2": {src: static, mode: 0o755}},
			links: map[string]string{"lib64/ld-linux-x86-64.so.2": "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"},
			argv:  []string{"/app"}, path: "/app"},
		{name: "symlink cannot escape the rootfs", links: map[string]string{"app": "../../../../../../bin/true"}, argv: []string{"/app"}, code: exitENOENT},
		{name: "PATH lookup", files: map[string]file{"usr/local/bin/app": {src: static, mode: 0o755}}, argv: []string{"app"}, path: "/usr/local/bin/app"},
		{name: "image PATH", files: map[string]file{"opt/bin/app": {src: static, mode: 0o755}}, argv: []string{"app"}, env: []string{"PATH=/opt/bin"}, path: "/opt/bin/app"},
		{name: "script", files: map[string]file{"wrapper.sh": {content: "#!/bin/sh\nexec /app\n", mode: 0o755}, "bin/sh": {src: static, mode: 0o755}},
			argv: []string{"/wrapper.sh"}, path: "/wrapper.sh"},
		{name: "script without its interpreter", files: map[string]file{"wrapper.sh": {content: "#!/bin/sh\n", mode: 0o755}},
			argv: []string{"/wrapper.sh"}, code: exitENOENT},
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
			got := load(root, c.argv, c.env)
			if got.ExitCode != c.code || (c.code == 0 && got.Path != c.path) {
				t.Errorf("load(%v) = %+v, want exit %d path %q", c.argv, got, c.code, c.path)
			}
		})
	}
}

func writeFile(t *testing.T, dst string, f file) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if f.link != "" {
		if err := os.Symlink(f.link, dst); err != nil {
			t.Fatal(err)
		}
		return
	}
	b := []byte(f.content)
	if f.src != "" {
		var err error
		if b, err = os.ReadFile(f.src); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(dst, b, f.mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dst, f.mode); err != nil {
		t.Fatal(err)
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
