package diagnose

import (
	"strings"
	"testing"
)

// loaderExitInstance is a PIE built without cgo that crashed at load on
// base-compat (exit 243 after 102 ms), as the API would show it.
const loaderExitInstance = `{"status":"success","uuid":"bd281cc4-7640-4cbc-af48-5a44c2bd7b74","name":"openfga",
 "state":"stopped","image":"acme/openfga@sha256:abc","memory_mb":1024,"args":["/usr/bin/openfga","run"],
 "stop_reason":3,"exit_code":243,"stop_code":32512,"uptime_ms":102,"restart_policy":"never"}`

func TestParseInstanceShapes(t *testing.T) {
	for name, doc := range map[string]string{
		"object":   loaderExitInstance,
		"array":    "[" + loaderExitInstance + "]",
		"envelope": `{"status":"success","data":{"instances":[` + loaderExitInstance + `]}}`,
	} {
		in, err := ParseInstance([]byte(doc))
		if err != nil || in.ExitCode != 243 || in.StopReason != 3 {
			t.Errorf("%s: %+v %v", name, in, err)
		}
	}
	if _, err := ParseInstance([]byte(`[{"name":"openfga","state":"stopped","app_exit_code":"243"}]`)); err == nil || !strings.Contains(err.Error(), "-o raw") {
		t.Errorf("kraftkit JSON: %v", err)
	}
	if _, err := ParseInstance([]byte(`[]`)); err == nil {
		t.Error("empty array accepted")
	}
}
