package cli

import (
	"errors"
	"fmt"
	"io"
	"os/exec"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/fgastore"
)

// TestModel is `test-model --store FILE [--openfga BIN] [--json]`: the
// store file's tests against a local OpenFGA, as a deploy gates on them;
// what a pull-request check runs.
var TestModel = Command{Name: "test-model", Summary: "run a store file's tests against a local OpenFGA (exit 1 when an assertion fails)", Run: testModel}

func testModel(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("test-model", stderr)
	store := fs.String("store", "", "store file (.fga.yaml, as the OpenFGA CLI reads it)")
	bin := fs.String("openfga", "", "OpenFGA binary to test against (default: openfga on PATH)")
	asJSON := fs.Bool("json", false, "print the report as JSON instead of text")
	if !parse(fs, args, stderr) {
		return 2
	}
	if *store == "" {
		fmt.Fprintln(stderr, "test-model: --store is required")
		return 2
	}
	f, err := fgastore.Load(*store)
	if err == nil && !f.HasTests() {
		err = fmt.Errorf("%s: tests: the store file has no tests; add some", *store)
	}
	if err != nil {
		fmt.Fprintln(stderr, "test-model:", err)
		return 2
	}
	path, err := openfgaBinary(*bin)
	if err != nil {
		fmt.Fprintln(stderr, "test-model:", err)
		return 2
	}
	ctx, cancel := signalContext()
	defer cancel()
	rep, err := fgastore.Gate(ctx, path, f)
	if err != nil {
		fmt.Fprintln(stderr, "test-model:", err)
		return 1
	}
	if *asJSON {
		if code := printJSON(stdout, stderr, rep); code != 0 {
			return code
		}
	} else {
		fmt.Fprint(stdout, rep.Text())
	}
	if rep.Failed() {
		return 1
	}
	return 0
}

// openfgaBinary is bin, else openfga on PATH.
func openfgaBinary(bin string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	path, err := exec.LookPath("openfga")
	if errors.Is(err, exec.ErrNotFound) {
		return "", errors.New("no openfga on PATH: give --openfga BIN (go run . build -o BIN builds the pinned release; dagger call binary export --path BIN too)")
	}
	return path, err
}
