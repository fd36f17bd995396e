package sim_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// TestMain lets simtest remove the guest binaries when the tests end.
func TestMain(m *testing.M) { os.Exit(simtest.Main(m)) }

// appBinary is testdata/app, the tests' guest program, built static, or
// with flags instead (e.g. -buildmode=pie).
func appBinary(t *testing.T, flags ...string) string {
	t.Helper()
	return simtest.GoBinary(t, "./testdata/app", flags...)
}

// file is an entry of a test image's rootfs.
type file struct {
	src     string // host file to copy, or
	content string // literal content, or
	link    string // symlink target
	mode    os.FileMode
}

// layout writes files into a new rootfs and returns its path.
func layout(t *testing.T, files map[string]file) string {
	t.Helper()
	root := t.TempDir()
	for p, f := range files {
		writeFile(t, filepath.Join(root, p), f)
	}
	return root
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

// pushImage pushes files as the image <namespace>/<name>:latest and
// returns the reference to create instances from.
func pushImage(t *testing.T, s *sim.Sim, name string, files map[string]file, cmd []string) string {
	t.Helper()
	return simtest.Push(t, s, layout(t, files), cmd, simtest.Name(name))
}

// appImage pushes testdata/app as /app, the image most tests run.
func appImage(t *testing.T, s *sim.Sim, name string, cmd ...string) string {
	t.Helper()
	return pushImage(t, s, name, map[string]file{"app": {src: appBinary(t), mode: 0o755}}, cmd)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// call does one API request and decodes the envelope into out. body is
// raw JSON (a string) or a value to marshal. Every JSON answer is held to
// the dialect's answer shapes (spec.CheckAnswer).
func call(t *testing.T, s *sim.Sim, method, path string, body any, out any) int {
	t.Helper()
	code, b := raw(t, s, method, path, body)
	if !strings.HasPrefix(path, "/v1/") {
		// not the platform's API (the simulator's /_sim/faults)
	} else if err := spec.CheckAnswer(s.DialectOf(), method, strings.SplitN(path, "?", 2)[0], b); err != nil && json.Valid(b) {
		t.Errorf("%s %s: the answer is not the spec's: %v\n%s", method, path, err, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, code, b, err)
		}
	}
	return code
}

// raw does one API request and returns the HTTP status and body as they
// came, unchecked.
func raw(t *testing.T, s *sim.Sim, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, s.Endpoints().API+path, rd)
	req.Header.Set("Authorization", "Bearer "+s.Endpoints().Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// instanceCall is call for endpoints answering data.instances.
func instanceCall(t *testing.T, s *sim.Sim, method, path string, body any) api.Instance {
	t.Helper()
	var resp api.Response[api.Instance]
	call(t, s, method, path, body, &resp)
	items := resp.Items(api.KindInstances)
	if len(items) != 1 {
		t.Fatalf("%s %s: want 1 item, got %+v", method, path, resp)
	}
	return items[0]
}

// create makes an instance and fails the test on an item error.
func create(t *testing.T, s *sim.Sim, req api.CreateInstanceRequest) api.Instance {
	t.Helper()
	inst := instanceCall(t, s, http.MethodPost, "/v1/instances", req)
	if inst.Failed() {
		t.Fatalf("create %s: %s (%s)", req.Name, inst.Message, inst.Error)
	}
	return inst
}

// get fetches an instance by name (the list-with-body form).
func get(t *testing.T, s *sim.Sim, name string) api.Instance {
	t.Helper()
	return instanceCall(t, s, http.MethodGet, "/v1/instances", []api.Ref{{Name: name}})
}

// waitSettled polls until the instance is stopped or standby.
func waitSettled(t *testing.T, s *sim.Sim, name string, timeout time.Duration) api.Instance {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		inst := get(t, s, name)
		if inst.State.Settled() || time.Now().After(deadline) {
			return inst
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitRunning uses the wait endpoint, with the longest timeout it takes
// (10 s).
func waitRunning(t *testing.T, s *sim.Sim, name string) {
	t.Helper()
	inst := instanceCall(t, s, http.MethodGet, "/v1/instances/wait",
		[]api.WaitRequest{{Ref: api.Ref{Name: name}, State: api.StateRunning, TimeoutMs: 10000}})
	if inst.Failed() || inst.State != api.StateRunning {
		t.Fatalf("wait %s: %+v\nlogs: %s", name, inst, logs(t, s, name))
	}
}

// privateIP is the instance's address: network_interfaces[0].private_ip,
// the only place v1's Instance has it.
func privateIP(inst api.Instance) string {
	if len(inst.NetworkInterfaces) == 0 {
		return ""
	}
	return inst.NetworkInterfaces[0].PrivateIP
}

// logs reads an instance's whole console output.
func logs(t *testing.T, s *sim.Sim, name string) string {
	t.Helper()
	var resp api.Response[api.LogOutput]
	call(t, s, http.MethodGet, "/v1/instances/log", []api.LogRequest{{Ref: api.Ref{Name: name}, Offset: 0, Limit: api.MaxLogPage}}, &resp)
	items := resp.Items(api.KindInstances)
	if len(items) != 1 || items[0].Failed() {
		t.Fatalf("log %s: %+v", name, resp)
	}
	b, err := base64.StdEncoding.DecodeString(items[0].Output)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fetch GETs https://fqdn/path through the front.
func fetch(t *testing.T, c *http.Client, fqdn, path string) (int, string) {
	t.Helper()
	resp, err := c.Get("https://" + fqdn + path)
	if err != nil {
		t.Fatalf("GET https://%s%s: %v", fqdn, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// webService is the platform's 443 → 8080 tls+http service.
var webService = []api.Service{{Port: 443, DestinationPort: 8080, Handlers: []api.Handler{api.HandlerHTTP, api.HandlerTLS}}}

// waitLog waits until the instance's logs hold text n times.
func waitLog(t *testing.T, s *sim.Sim, name, text string, n int) {
	t.Helper()
	var l string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if l = logs(t, s, name); strings.Count(l, text) >= n {
			return
		}
	}
	t.Fatalf("logs of %s hold %q fewer than %d times: %q", name, text, n, l)
}
