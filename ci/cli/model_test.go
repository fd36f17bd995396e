package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/fgastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// test-model --store FILE --openfga BIN: 0 when every assertion holds, 1
// with each failing one named, 2 for a file that cannot be tested.
func TestTestModel(t *testing.T) {
	bin := simtest.OpenFGABinary(t)
	const data = "../fgastore/testdata/"
	for _, tc := range []struct {
		args         []string
		code         int
		stdout, errs string
	}{
		{[]string{"--store", data + "docs/store.fga.yaml", "--openfga", bin}, 0, "store.fga.yaml: 2/2 tests passing", ""},
		{[]string{"--store", data + "failing/store.fga.yaml", "--openfga", bin}, 1, "check user:carl owner document:specs: got true, want false", ""},
		{[]string{"--store", data + "bad/unknown-relation.fga.yaml", "--openfga", bin}, 2, "", "unknown-relation.fga.yaml:"},
		{[]string{"--openfga", bin}, 2, "", "--store is required"},
		{[]string{"--store", data + "docs/store.fga.yaml", "--openfga", "/nonexistent/openfga"}, 1, "", "/nonexistent/openfga"},
	} {
		var stdout, stderr bytes.Buffer
		code := testModel(tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stdout.String(), tc.stdout) || !strings.Contains(stderr.String(), tc.errs) {
			t.Errorf("test-model %q = %d\nstdout: %s\nstderr: %s", tc.args, code, &stdout, &stderr)
		}
	}

	var stdout, stderr bytes.Buffer
	if code := testModel([]string{"--store", data + "failing/store.fga.yaml", "--openfga", bin, "--json"}, &stdout, &stderr); code != 1 {
		t.Fatalf("--json = %d: %s", code, &stderr)
	}
	var rep fgastore.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || len(rep.Tests) != 2 || !rep.Failed() {
		t.Errorf("JSON report: %v %+v", err, rep)
	}
}
