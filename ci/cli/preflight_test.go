package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/preflight"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// preflight FILE [--json]: 0 deployable, 1 refused with the reason on one
// stderr line; the JSON report on stdout whatever the verdict.
func TestPreflight(t *testing.T) {
	static := simtest.GoBinary(t, standin)
	pie := simtest.GoBinary(t, standin, "-buildmode=pie")
	for _, tc := range []struct {
		args         []string
		code         int
		stdout, errs string
	}{
		{[]string{static}, 0, "deployable (static x86_64)", ""},
		{[]string{pie}, 1, "", "exit 243 at boot"},
		{[]string{static, "--json"}, 0, `"deployable": true`, ""},
		{[]string{"--json", pie}, 1, `"kind": "dynamic-pie"`, ". Fix: "},
		{[]string{filepath.Join(t.TempDir(), "missing")}, 1, "", "no such file"},
		{[]string{}, 2, "", "usage: go run . preflight FILE"},
		{[]string{static, pie}, 2, "", "usage: go run . preflight FILE"},
	} {
		var stdout, stderr bytes.Buffer
		code := preflightCmd(tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stdout.String(), tc.stdout) || !strings.Contains(stderr.String(), tc.errs) {
			t.Errorf("preflight %q = %d\nstdout: %s\nstderr: %s", tc.args, code, &stdout, &stderr)
		}
		if strings.Contains(strings.Join(tc.args, " "), "--json") {
			var rep preflight.Report
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || !strings.HasSuffix(rep.Path, "standin") {
				t.Errorf("JSON report: %v %+v", err, rep)
			}
		}
		if tc.code == 1 && strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("want one line on stderr, got %q", &stderr)
		}
	}
}
