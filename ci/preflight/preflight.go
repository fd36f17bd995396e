// Package preflight decides, from the ELF headers alone, whether KraftCloud's
// base-compat loader will start a binary.
//
// The rules come from what base-compat did with OpenFGA built each way
// (recorded in guillempuche/demo-openfga-in-unikraft's
// docs/1-kraftcloud-openfga-debugging.md) and from the ELF each of those
// builds produces: a dynamic executable (PT_INTERP or DT_NEEDED) crashes at
// load with exit 243 and no output, a musl static-PIE exits 254, and the
// plain static build
// `CGO_ENABLED=0 go build -ldflags "-s -w" -tags netgo` (ET_EXEC, no
// interpreter) boots, as a CGO_ENABLED=0 binary does in the unikraft CLI's own
// base-compat end-to-end test (unikraft-cloud/cli's
// cmd/unikraft/integration/instance_http_oci_test.go). So ET_EXEC is accepted
// even though the open-source app-elfloader documents PIE only.
package preflight

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// Kind is the linkage of an executable, as the loader sees it.
type Kind string

const (
	KindStatic     Kind = "static"      // ET_EXEC, no PT_INTERP, no DT_NEEDED
	KindStaticPIE  Kind = "static-pie"  // ET_DYN, no PT_INTERP, no DT_NEEDED
	KindDynamicPIE Kind = "dynamic-pie" // ET_DYN with PT_INTERP or DT_NEEDED
	KindDynamic    Kind = "dynamic"     // ET_EXEC with PT_INTERP or DT_NEEDED
)

// StaticBuild is the build known to boot on base-compat (OpenFGA's own
// Dockerfile builds the same way: CGO_ENABLED=0, no PIE); every fix points to it.
const StaticBuild = `CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -ldflags "-s -w" -tags netgo ./cmd/openfga`

// Report is what Inspect learned about one file and its verdict.
type Report struct {
	Path        string   `json:"path"`
	ELF         bool     `json:"elf"`
	Class       string   `json:"class,omitempty"`   // "ELF64" or "ELF32"
	Machine     string   `json:"machine,omitempty"` // "x86_64", "aarch64", ...
	Type        string   `json:"type,omitempty"`    // "EXEC", "DYN", ...
	Kind        Kind     `json:"kind,omitempty"`
	Interpreter string   `json:"interpreter,omitempty"`
	Needed      []string `json:"needed,omitempty"`
	Executable  bool     `json:"executable"`
	Size        int64    `json:"size"`
	Go          *GoInfo  `json:"go,omitempty"`
	Deployable  bool     `json:"deployable"`
	Cause       string   `json:"cause,omitempty"`
	Fix         string   `json:"fix,omitempty"`
	Warning     string   `json:"warning,omitempty"`
}

// GoInfo is the Go build information embedded in the binary. Settings the
// toolchain did not record are empty (-trimpath drops -ldflags, for one).
type GoInfo struct {
	Version    string `json:"version"`
	Main       string `json:"main,omitempty"`
	GOOS       string `json:"goos,omitempty"`
	GOARCH     string `json:"goarch,omitempty"`
	CGOEnabled string `json:"cgo_enabled,omitempty"`
	BuildMode  string `json:"buildmode,omitempty"`
	LDFlags    string `json:"ldflags,omitempty"`
	Tags       string `json:"tags,omitempty"`
}

// Err returns nil for a deployable file, else an error that reads
// "preflight: <path>: <cause>. Fix: <fix>".
func (r Report) Err() error {
	if r.Deployable {
		return nil
	}
	return fmt.Errorf("preflight: %s: %s. Fix: %s", r.Path, r.Cause, r.Fix)
}

// Inspect reads the file at path. The error is for a file that cannot be
// opened or read; a file the loader would refuse, malformed ones included,
// gives a Report with Deployable false.
func Inspect(path string) (Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return Report{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Report{}, err
	}
	if !st.Mode().IsRegular() {
		return Report{}, fmt.Errorf("%s: not a regular file", path)
	}
	return InspectReader(path, f, st.Size(), st.Mode())
}

// InspectReader is Inspect for content that is not a local file, such as a
// binary read out of a container; name is reported as the path and mode
// supplies the permission bits.
func InspectReader(name string, r io.ReaderAt, size int64, mode fs.FileMode) (Report, error) {
	rep := Report{Path: name, Size: size, Executable: mode.Perm()&0o111 != 0}
	magic := make([]byte, len(elf.ELFMAG))
	if _, err := r.ReadAt(magic, 0); err != nil && !errors.Is(err, io.EOF) {
		return rep, err
	}
	if string(magic) != elf.ELFMAG {
		return rep.refuse("not an ELF file", "deploy the linux/amd64 executable: "+StaticBuild), nil
	}
	rep.ELF = true
	f, err := elf.NewFile(r)
	if err != nil {
		return rep.refuse("malformed ELF ("+err.Error()+")", "rebuild it: "+StaticBuild), nil
	}
	defer f.Close()
	if err := rep.readELF(f); err != nil {
		return rep.refuse("malformed ELF ("+err.Error()+")", "rebuild it: "+StaticBuild), nil
	}
	if bi, err := buildinfo.Read(r); err == nil {
		rep.Go = goInfo(bi)
	}
	return rep.judge(), nil
}

// readELF fills the header facts: class, machine, type, interpreter, needed.
func (r *Report) readELF(f *elf.File) error {
	r.Class = "ELF" + strings.TrimPrefix(f.Class.String(), "ELFCLASS")
	r.Machine = strings.ToLower(strings.TrimPrefix(f.Machine.String(), "EM_"))
	r.Type = strings.TrimPrefix(f.Type.String(), "ET_")
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b, err := io.ReadAll(p.Open())
		if err != nil {
			return fmt.Errorf("reading PT_INTERP: %w", err)
		}
		r.Interpreter = string(bytes.TrimRight(b, "\x00"))
	}
	needed, err := f.ImportedLibraries()
	if err != nil {
		return fmt.Errorf("reading DT_NEEDED: %w", err)
	}
	r.Needed = needed
	dynamic := r.Interpreter != "" || len(needed) > 0
	switch {
	case f.Type == elf.ET_EXEC && dynamic:
		r.Kind = KindDynamic
	case f.Type == elf.ET_EXEC:
		r.Kind = KindStatic
	case f.Type == elf.ET_DYN && dynamic:
		r.Kind = KindDynamicPIE
	case f.Type == elf.ET_DYN:
		r.Kind = KindStaticPIE
	}
	return nil
}

// judge applies the rules in the order a user should fix them: a binary for
// the wrong machine needs a rebuild before its linkage or mode matters.
func (r Report) judge() Report {
	switch {
	case r.Class != "ELF64" || r.Machine != "x86_64":
		return r.refuse(fmt.Sprintf("built for %s %s; base-compat runs only 64-bit x86_64", r.Class, r.Machine),
			"rebuild for linux/amd64: "+StaticBuild)
	case r.Go != nil && r.Go.GOOS != "" && r.Go.GOOS != "linux":
		return r.refuse("built for GOOS="+r.Go.GOOS+"; base-compat runs Linux binaries",
			"rebuild for linux/amd64: "+StaticBuild)
	case r.Kind == "":
		return r.refuse("ELF type "+r.Type+" is not an executable", "build an executable: "+StaticBuild)
	case r.Kind == KindDynamic || r.Kind == KindDynamicPIE:
		return r.refuse(r.dynamicCause(), "rebuild static: "+StaticBuild+" (no -buildmode=pie, no -linkmode external)")
	case !r.Executable:
		return r.refuse("no exec bit", "chmod 0755 "+r.Path)
	}
	r.Deployable = true
	if r.Kind == KindStaticPIE {
		r.Warning = "static-PIE: your binary is a static PIE, and a musl static-PIE build of OpenFGA exits 254 at load on base-compat; the build known to boot there is plain static: " + StaticBuild
	}
	return r
}

// dynamicCause names what the loader would have to provide and what happens
// when it cannot.
func (r Report) dynamicCause() string {
	var deps []string
	if r.Interpreter != "" {
		deps = append(deps, "interpreter "+r.Interpreter)
	}
	if len(r.Needed) > 0 {
		deps = append(deps, "needs "+strings.Join(r.Needed, ", "))
	}
	return fmt.Sprintf("%s executable (%s): crashes at load with exit 243 at boot and no output on base-compat",
		r.Kind, strings.Join(deps, "; "))
}

func (r Report) refuse(cause, fix string) Report {
	r.Deployable, r.Cause, r.Fix = false, cause, fix
	return r
}

func goInfo(bi *buildinfo.BuildInfo) *GoInfo {
	g := &GoInfo{Version: bi.GoVersion, Main: bi.Path}
	fields := map[string]*string{
		"GOOS": &g.GOOS, "GOARCH": &g.GOARCH, "CGO_ENABLED": &g.CGOEnabled,
		"-buildmode": &g.BuildMode, "-ldflags": &g.LDFlags, "-tags": &g.Tags,
	}
	for _, s := range bi.Settings {
		if p, ok := fields[s.Key]; ok {
			*p = s.Value
		}
	}
	return g
}
