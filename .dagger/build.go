package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"dagger/openfga-kraftcloud/internal/dagger"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/gobuild"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/preflight"
)

// Binary builds OpenFGA the way it starts on KraftCloud's base-compat
// runtime: static (CGO_ENABLED=0, no PIE), netgo, -s -w, trimpath, with the
// version, commit and commit date stamped in. It runs preflight on the
// result and refuses a binary the loader would not start.
func (m *OpenfgaKraftcloud) Binary(ctx context.Context) (*dagger.File, error) {
	p, err := m.plan(ctx)
	if err != nil {
		return nil, err
	}
	return m.binary(ctx, p)
}

// plan is what every build step needs, resolved once: the verified tree, the
// Go image and the version stamp.
type plan struct {
	tree  *dagger.Directory
	image string
	stamp gobuild.Stamp
}

func (m *OpenfgaKraftcloud) plan(ctx context.Context) (*plan, error) {
	tree, err := m.checkedTree(ctx)
	if err != nil {
		return nil, err
	}
	image, err := m.goImage(ctx, tree)
	if err != nil {
		return nil, err
	}
	stamp, err := m.stamp(ctx, tree, image)
	if err != nil {
		return nil, err
	}
	return &plan{tree: tree, image: image, stamp: stamp}, nil
}

// binary is the built OpenFGA, preflighted.
func (m *OpenfgaKraftcloud) binary(ctx context.Context, p *plan) (*dagger.File, error) {
	c := m.built(p)
	rep, err := report(ctx, c)
	if err == nil {
		err = rep.Err()
	}
	if err != nil {
		return nil, err
	}
	return c.File(binaryOut), nil
}

// Where the build container leaves the binary and its preflight report.
const (
	binaryOut = "/out/openfga"
	reportOut = "/out/preflight.json"
)

// built is the build container after the build: OpenFGA compiled with the
// project's one set of flags (ci/gobuild), then preflighted where it lies,
// so that judging it reads a small report rather than the whole binary.
func (m *OpenfgaKraftcloud) built(p *plan) *dagger.Container {
	script := `go "$@" && preflight-report ` + binaryOut + " > " + reportOut
	return m.goEnv(p.image).
		WithMountedFile("/usr/local/bin/preflight-report", m.preflightReport(p.image)).
		WithMountedDirectory("/src", p.tree.WithoutDirectory(".git")).
		WithWorkdir("/src").
		WithExec(append([]string{"sh", "-c", script, "sh"}, gobuild.Args(p.stamp, binaryOut)...))
}

// preflightReport is ci/preflight/report built in the Go image: the
// preflight the build container runs on its own output.
func (m *OpenfgaKraftcloud) preflightReport(image string) *dagger.File {
	const out = "/out/preflight-report"
	return m.projectEnv(image).
		WithExec([]string{"go", "build", "-trimpath", "-o", out, "./ci/preflight/report"}).
		File(out)
}

// report is the preflight report the build container wrote.
func report(ctx context.Context, c *dagger.Container) (preflight.Report, error) {
	js, err := c.File(reportOut).Contents(ctx)
	if err != nil {
		return preflight.Report{}, err
	}
	var rep preflight.Report
	if err := json.Unmarshal([]byte(js), &rep); err != nil {
		return preflight.Report{}, fmt.Errorf("preflight: the report of the build: %w", err)
	}
	rep.Path = filepath.Base(binaryOut)
	return rep, nil
}

// Preflight inspects an ELF file (default: the binary this module builds) and
// returns its report as JSON. A file KraftCloud's loader would not start
// (dynamic, wrong architecture, not executable, not an ELF) is an error that
// names the cause and the fix.
func (m *OpenfgaKraftcloud) Preflight(
	ctx context.Context,
	// The file to inspect
	// +optional
	file *dagger.File,
) (string, error) {
	if file == nil {
		p, err := m.plan(ctx)
		if err != nil {
			return "", err
		}
		rep, err := report(ctx, m.built(p))
		if err != nil {
			return "", err
		}
		return verdict(rep)
	}
	return m.inspect(ctx, file)
}

// inspect preflights file in this module's own container.
func (m *OpenfgaKraftcloud) inspect(ctx context.Context, file *dagger.File) (string, error) {
	name, err := file.Name(ctx)
	if err != nil {
		return "", err
	}
	// Export lands in this module's own container; the inspection is local.
	path, err := file.Export(ctx, filepath.Join("/tmp/preflight", name))
	if err != nil {
		return "", fmt.Errorf("preflight: read %s: %w", name, err)
	}
	rep, err := preflight.Inspect(path)
	if err != nil {
		return "", fmt.Errorf("preflight: %w", err)
	}
	rep.Path = name
	return verdict(rep)
}

// verdict is the report as JSON, and its refusal as the error.
func verdict(rep preflight.Report) (string, error) {
	js, _ := json.MarshalIndent(rep, "", "  ")
	return string(js), rep.Err()
}

// goImage is the override or golang:<toolchain of OpenFGA's go.mod>-bookworm.
func (m *OpenfgaKraftcloud) goImage(ctx context.Context, tree *dagger.Directory) (string, error) {
	if m.GoImage != "" {
		return m.GoImage, nil
	}
	gomod, err := tree.File("go.mod").Contents(ctx)
	if err != nil {
		return "", fmt.Errorf("read OpenFGA's go.mod: %w", err)
	}
	return gobuild.GoImage([]byte(gomod))
}

func (m *OpenfgaKraftcloud) stamp(ctx context.Context, tree *dagger.Directory, image string) (gobuild.Stamp, error) {
	date, err := m.commitDate(ctx, tree, image)
	if err != nil {
		return gobuild.Stamp{}, err
	}
	s := gobuild.Stamp{Version: m.Version, Commit: m.Commit, Date: date}
	return s, s.Validate()
}

// projectEnv is the build container with this repository's Go source at
// /src, the working directory.
func (m *OpenfgaKraftcloud) projectEnv(image string) *dagger.Container {
	return m.goEnv(image).WithMountedDirectory("/src", m.Project).WithWorkdir("/src")
}

// goEnv is the build container: the static build's env, the cache volumes
// and the proxy.
func (m *OpenfgaKraftcloud) goEnv(image string) *dagger.Container {
	c := dag.Container().From(image).
		WithMountedCache("/go/pkg/mod", m.ModCache).
		WithMountedCache("/root/.cache/go-build", m.BuildCache)
	for _, kv := range gobuild.Env() {
		k, v, _ := strings.Cut(kv, "=")
		c = c.WithEnvVariable(k, v)
	}
	switch {
	case m.GoproxyDir != nil:
		c = c.WithMountedDirectory("/goproxy", m.GoproxyDir).
			WithEnvVariable("GOPROXY", "file:///goproxy").
			WithEnvVariable("GONOSUMDB", "*") // go.sum still verifies every module
	case m.Goproxy != "":
		c = c.WithEnvVariable("GOPROXY", m.Goproxy)
	}
	return c
}
