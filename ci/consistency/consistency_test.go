package consistency

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/gobuild"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func engineVersion(t *testing.T) string {
	var cfg struct {
		EngineVersion string `json:"engineVersion"`
		Source        string `json:"source"`
	}
	if err := json.Unmarshal(read(t, "dagger.json"), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Source != ".dagger" {
		t.Errorf("dagger.json source %q, want .dagger", cfg.Source)
	}
	return cfg.EngineVersion
}

func TestOneDaggerVersionEverywhere(t *testing.T) {
	v := engineVersion(t)
	if v != "v0.19.7" {
		t.Errorf("engineVersion %s: v0.19.7 is the newest Dagger the air-gapped machines can build", v)
	}
	wf := read(t, ".github/workflows/ci.yml")
	if m := regexp.MustCompile(`DAGGER_VERSION: (\S+)`).FindSubmatch(wf); m == nil || string(m[1]) != v {
		t.Errorf("the workflow's DAGGER_VERSION is %q, want %s", m, v)
	}
	if m := regexp.MustCompile(`(?m)^V=(\S+)`).FindSubmatch(read(t, ".ci/engine/bootstrap.sh")); m == nil || string(m[1]) != v {
		t.Errorf("the bootstrap builds %q, want %s", m, v)
	}
}

func TestActionsArePinnedByCommit(t *testing.T) {
	wf := read(t, ".github/workflows/ci.yml")
	uses := regexp.MustCompile(`uses: ([^@\s]+)@(\S+)`).FindAllSubmatch(wf, -1)
	if len(uses) == 0 {
		t.Fatal("no actions in the workflow")
	}
	for _, u := range uses {
		if !regexp.MustCompile(`^[0-9a-f]{40}$`).Match(u[2]) {
			t.Errorf("%s is pinned to %s, not a commit SHA", u[1], u[2])
		}
	}
}

// The Go SDK runtime of v0.19.7 is Go 1.25.3 with GOTOOLCHAIN=local: a module
// (or a module it replaces in) asking for more cannot load.
func TestModulesFitTheSDKRuntimeGo(t *testing.T) {
	for _, p := range []string{"go.mod", ".dagger/go.mod"} {
		f, err := modfile.Parse(p, read(t, p), nil)
		if err != nil {
			t.Fatal(err)
		}
		if semver.Compare("v"+f.Go.Version, "v1.25.3") > 0 {
			t.Errorf("%s says go %s; the engine's Go SDK runtime has 1.25.3", p, f.Go.Version)
		}
	}
}

// The OpenFGA pin is gobuild.Pinned; the module's constructor defaults and
// the e2e tests must name the same release.
func TestOnePin(t *testing.T) {
	main := string(read(t, ".dagger/main.go"))
	for name, want := range map[string]string{"version": gobuild.Pinned.Version, "commit": gobuild.Pinned.Commit} {
		re := regexp.MustCompile(`// \+default="([^"]*)"\n\s*` + name + ` string`)
		m := re.FindStringSubmatch(main)
		if m == nil || m[1] != want {
			t.Errorf("the module's +default for %s is %q, want %s (gobuild.Pinned)", name, m, want)
		}
	}
	if err := gobuild.Pinned.Validate(); err != nil {
		t.Errorf("gobuild.Pinned: %v", err)
	}
}

// The module builds against the Go SDK's own versions of the libraries the
// SDK shares with this project (gRPC, protobuf, OpenTelemetry, golang.org/x)
// through replace lines in .dagger/go.mod. The engine's Go SDK image ships
// those packages compiled, so a cold engine (a CI runner that keeps no
// cache) then compiles only what the module adds; without the pins minimal
// version selection takes this project's newer versions and a cold engine
// compiles the SDK's whole graph again before the module's first call.
func TestModuleBuildsAgainstTheSDKsVersions(t *testing.T) {
	sdk := sdkRequirements(t, engineVersion(t))
	list := exec.Command("go", "list", "-mod=readonly", "-deps",
		"-f", "{{with .Module}}{{.Path}} {{.Version}} {{with .Replace}}{{.Version}}{{end}}{{end}}", "./internal/...")
	list.Dir = filepath.Join("..", "..", ".dagger")
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list in .dagger: %v", err)
	}
	var fix []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line) // path, selected version, pinned version
		if len(f) < 2 {
			continue
		}
		want, ok := sdk[f[0]]
		if ok && want != f[1] && (len(f) < 3 || f[2] != want) {
			fix = append(fix, fmt.Sprintf("go mod edit -replace=%s=%s@%s", f[0], f[0], want))
		}
	}
	if len(fix) > 0 {
		slices.Sort(fix)
		fix = slices.Compact(fix)
		t.Errorf("the module does not build against the Go SDK's versions of %d modules; in .dagger run:\n%s\ngo mod tidy",
			len(fix), strings.Join(fix, "\n"))
	}
}

// sdkRequirements reads the go.mod of the Go SDK release the engine runs.
func sdkRequirements(t *testing.T, version string) map[string]string {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", "dagger.io/dagger@"+version).Output()
	if err != nil {
		t.Fatalf("go mod download dagger.io/dagger@%s: %v", version, err)
	}
	var dl struct{ GoMod string }
	if err := json.Unmarshal(out, &dl); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(dl.GoMod)
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.Parse(dl.GoMod, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := map[string]string{}
	for _, r := range mf.Require {
		req[r.Mod.Path] = r.Mod.Version
	}
	return req
}
