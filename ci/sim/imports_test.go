package sim_test

import (
	"go/build"
	"strings"
	"testing"
)

// TestNoClientCode: the simulator, its description and its test kit
// import nothing of the project's API client, directly or through another
// package of the project, so that the two cannot agree by sharing code.
func TestNoClientCode(t *testing.T) {
	const module = "github.com/openfga-kraftcloud/openfga-kraftcloud/"
	seen := map[string]bool{}
	var walk func(path, from string)
	walk = func(path, from string) {
		if seen[path] || !strings.HasPrefix(path, module) {
			return
		}
		seen[path] = true
		if strings.HasPrefix(path, module+"ci/kraftcloud") {
			t.Errorf("%s imports %s", from, path)
			return
		}
		pkg, err := build.Import(path, ".", 0) // non-test files only
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			walk(imp, path)
		}
	}
	for _, p := range []string{"ci/sim", "ci/sim/spec", "ci/sim/simtest"} {
		walk(module+p, "")
	}
	if len(seen) < 3 {
		t.Fatalf("walked only %v", seen)
	}
}
