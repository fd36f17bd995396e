package sim

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/cpio"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// buildDir holds the guest binaries the tests compile once.
var buildDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "ukcsim-test-")
	if err != nil {
		panic(err)
	}
	buildDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// startSim starts a simulator for one test and closes it at the end.
func startSim(t *testing.T) *Sim {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the simulator needs root (namespaces, bridge, cgroups); run go test as root")
	}
	s, err := Start(Options{Log: testLog{t}, StopGrace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// testLog sends the simulator's log to the test's.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var (
	buildMu sync.Mutex
	built   = map[string]string{}
)

// buildApp compiles testdata/app with CGO_ENABLED=0 and extra go build
// flags (e.g. -buildmode=pie), once per flag set.
func buildApp(t *testing.T, flags ...string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	key := strings.Join(flags, " ")
	if p, ok := built[key]; ok {
		return p
	}
	out := filepath.Join(buildDir, fmt.Sprintf("app%d", len(built)))
	args := append(append([]string{"build"}, flags...), "-o", out, "./testdata/app")
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	built[key] = out
	return out
}

// file is an entry of a test image's rootfs.
type file struct {
	src     string // host file to copy, or
	content string // literal content, or
	link    string // symlink target
	mode    os.FileMode
}

// pushImage packages files as a unikernel image on base-compat with
// ci/unikernel, pushes it to the simulator's registry as sim/<name>, and
// returns the reference to create instances from.
func pushImage(t *testing.T, s *Sim, name string, files map[string]file, cmd []string) string {
	t.Helper()
	root := t.TempDir()
	for p, f := range files {
		writeFile(t, filepath.Join(root, p), f)
	}
	ep := s.Endpoints()
	acc := unikernel.Access{Username: s.user, Password: s.secret, PlainHTTP: true}
	ctx := context.Background()
	rt, err := unikernel.PullRuntime(ctx, ep.Registry+"/"+BaseCompat, acc)
	if err != nil {
		t.Fatal(err)
	}
	initrd, err := unikernel.InitrdFromDir(root, cpio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := unikernel.NewRef(ep.Registry, s.ns, name, "latest")
	if err != nil {
		t.Fatal(err)
	}
	img, err := unikernel.Build(rt, initrd, unikernel.Spec{Ref: ref, Cmd: cmd})
	if err != nil {
		t.Fatal(err)
	}
	digest, err := unikernel.Push(ctx, img, acc)
	if err != nil {
		t.Fatal(err)
	}
	return ref.PlatformImage(digest)
}

// call does one API request and decodes the envelope into out.
func call(t *testing.T, s *Sim, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
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
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

// instanceCall is call for endpoints answering data.instances.
func instanceCall(t *testing.T, s *Sim, method, path string, body any) api.Instance {
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
func create(t *testing.T, s *Sim, req api.CreateInstanceRequest) api.Instance {
	t.Helper()
	inst := instanceCall(t, s, http.MethodPost, "/v1/instances", req)
	if inst.Failed() {
		t.Fatalf("create %s: %s (%s)", req.Name, inst.Message, inst.Error)
	}
	return inst
}

// get fetches an instance by name (the list-with-body form).
func get(t *testing.T, s *Sim, name string) api.Instance {
	t.Helper()
	return instanceCall(t, s, http.MethodGet, "/v1/instances", []api.Ref{{Name: name}})
}

// waitSettled polls until the instance is stopped or standby.
func waitSettled(t *testing.T, s *Sim, name string, timeout time.Duration) api.Instance {
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

// waitRunning uses the wait endpoint.
func waitRunning(t *testing.T, s *Sim, name string) {
	t.Helper()
	inst := instanceCall(t, s, http.MethodGet, "/v1/instances/wait",
		[]api.WaitRequest{{Ref: api.Ref{Name: name}, State: api.StateRunning, TimeoutMs: 20000}})
	if inst.Failed() || inst.State != api.StateRunning {
		t.Fatalf("wait %s: %+v\nlogs: %s", name, inst, logs(t, s, name))
	}
}

// logs reads an instance's whole console output.
func logs(t *testing.T, s *Sim, name string) string {
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

// httpsClient trusts the simulator's CA and dials its TLS front for every
// host name, as DNS would send the public FQDNs to the platform's gateway.
func httpsClient(t *testing.T, s *Sim) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(s.Endpoints().CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("ca.pem holds no certificate")
	}
	front := s.Endpoints().TLS
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool},
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, front)
		},
	}}
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
func waitLog(t *testing.T, s *Sim, name, text string, n int) {
	t.Helper()
	var l string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if l = logs(t, s, name); strings.Count(l, text) >= n {
			return
		}
	}
	t.Fatalf("logs of %s hold %q fewer than %d times: %q", name, text, n, l)
}

// netnsExists reports whether a named netns exists (ip netns keeps the
// names under /run/netns).
func netnsExists(name string) bool {
	_, err := os.Stat("/run/netns/" + name)
	return err == nil
}
