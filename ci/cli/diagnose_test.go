package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// loaderExitInstance is a binary that could not be exec'd (exit 243 at load),
// as the API shows it.
const loaderExitInstance = `{"status":"success","uuid":"bd281cc4-7640-4cbc-af48-5a44c2bd7b74","name":"openfga",
 "state":"stopped","image":"acme/openfga@sha256:abc","memory_mb":1024,"args":["/usr/bin/openfga","run"],
 "stop_reason":3,"exit_code":243,"stop_code":32512,"uptime_ms":102,"restart_policy":"never"}`

// dnsPanic is OpenFGA's panic when its datastore host does not resolve.
const dnsPanic = "panic: hostname resolving error: lookup postgres.default on 10.0.1.206:53: no such host"

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCLIFromFilesText(t *testing.T) {
	inst := writeFile(t, "i.json", loaderExitInstance)
	logs := writeFile(t, "l.txt", "/usr/bin/openfga[    0.030176] reboot: Restarting system\n")
	var out, errb bytes.Buffer
	if code := diagnoseCmd([]string{"--from", inst, "--logs", logs}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := out.String()
	for _, want := range []string{"instance openfga: stopped, FAILED [exec_failed]", "cause: /usr/bin/openfga could not be started",
		"fix:", "stop_reason 3 ----AK, exit_code 243, stop_code 0x00007F00 reason OK initlevel 127", "log:   /usr/bin/openfga[", "stop reason: shutdown"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func TestCLIFromFilesJSON(t *testing.T) {
	inst := writeFile(t, "i.json", loaderExitInstance)
	var out, errb bytes.Buffer
	if code := diagnoseCmd([]string{"--from", inst, "--json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatal(err, out.String())
	}
	for _, k := range []string{"cause", "fix", "stop_reason", "stop_code", "exit_code", "failed"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, out.String())
		}
	}
	sr := m["stop_reason"].(map[string]any)
	sc := m["stop_code"].(map[string]any)
	if sr["flags"] != "----AK" || sr["app"] != true || sc["reason"] != "OK" || sc["initlevel"] != 127.0 || m["exit_code"] != 243.0 || m["failed"] != true {
		t.Errorf("%s", out.String())
	}
}

func TestCLIUsage(t *testing.T) {
	var out, errb bytes.Buffer
	for _, args := range [][]string{{}, {"--from", "x", "--instance", "y"}, {"--bogus"}} {
		if code := diagnoseCmd(args, &out, &errb); code != 2 {
			t.Errorf("%q: exit %d", args, code)
		}
	}
	if code := diagnoseCmd([]string{"--from", filepath.Join(t.TempDir(), "missing.json")}, &out, &errb); code != 1 {
		t.Errorf("missing file: exit %d", code)
	}
}

func TestCLIFromAPI(t *testing.T) {
	token := base64.StdEncoding.EncodeToString([]byte("robot$acme.users.kraftcloud:secret"))
	var inst api.Instance
	json.Unmarshal([]byte(loaderExitInstance), &inst)
	inst.ExitCode, inst.UptimeMs = 2, 51000
	console := "starting openfga\n" + dnsPanic + "\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(401)
			return
		}
		switch r.URL.Path {
		case "/v1/instances":
			json.NewEncoder(w).Encode(api.NewResponse(api.KindInstances, inst))
		case "/v1/instances/log":
			json.NewEncoder(w).Encode(api.NewResponse(api.KindInstances, api.LogOutput{
				ItemStatus: api.ItemStatus{Status: api.StatusSuccess}, Output: base64.StdEncoding.EncodeToString([]byte(console)),
				Available: api.ByteRange{End: int64(len(console))}, Range: api.ByteRange{End: int64(len(console))}, State: api.StateStopped}))
		default:
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	var out, errb bytes.Buffer
	if code := diagnoseCmd([]string{"--instance", "openfga", "--api", srv.URL, "--token", token}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "postgres.default") || !strings.Contains(out.String(), "[datastore_dns]") {
		t.Fatal(out.String())
	}
	// An unknown instance is an API error: exit 1, code named.
	inst = api.Instance{ItemStatus: api.ItemStatus{Status: api.StatusError, Error: api.ErrNotFound, Message: "No instance with name 'nope'"}}
	out.Reset()
	errb.Reset()
	if code := diagnoseCmd([]string{"--instance", "nope", "--api", srv.URL, "--token", token}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "NotFound") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}
