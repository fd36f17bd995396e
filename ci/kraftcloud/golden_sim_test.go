package kraftcloud_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

var update = flag.Bool("update", false, "rewrite testdata/requests-*.golden from what the client sends")

func TestMain(m *testing.M) { os.Exit(simtest.Main(m)) }

// sent is one request the client sent and the status it got.
type sent struct {
	method, path string
	query        url.Values
	body         []byte
	status       int
}

// recorder keeps every API request (not the registry's).
type recorder struct {
	mu   sync.Mutex
	reqs []sent
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, sent{req.Method, req.URL.Path, req.URL.Query(), body, status})
	r.mu.Unlock()
	return resp, err
}

// TestGoldenRequests drives every call of the client against the
// simulator in both API dialects and holds what it sent against the
// simulator's own model of the published spec (ci/sim/spec, which shares
// no code with the client): every accepted request passes spec.Check,
// each key of each body renamed is refused, and the forms sent are the
// ones in testdata/requests-<dialect>.golden (go test -update rewrites
// them), so a change to what goes on the wire shows in review.
func TestGoldenRequests(t *testing.T) {
	for _, d := range []spec.Dialect{spec.V1, spec.Legacy} {
		t.Run(string(d), func(t *testing.T) {
			reqs := lifecycle(t, d)
			var lines []string
			for _, r := range reqs {
				lines = append(lines, formLine(t, d, r))
				if r.status < 300 {
					if err := spec.Check(d, r.method, r.path, r.query, r.body); err != nil {
						t.Errorf("%s %s was accepted, but the spec refuses it: %v\n%s", r.method, r.path, err, r.body)
					}
					for _, k := range renamed(t, r.body) {
						if spec.Check(d, r.method, r.path, r.query, k.body) == nil {
							t.Errorf("%s %s with %s renamed passes the spec check: a client that misspelt it would pass", r.method, r.path, k.key)
						}
					}
				}
			}
			golden(t, filepath.Join("testdata", "requests-"+string(d)+".golden"), dedupe(lines))
		})
	}
}

// lifecycle runs each call of the client once, in the order a deploy with
// a database uses them, and returns the API requests sent.
func lifecycle(t *testing.T, d spec.Dialect) []sent {
	s := simtest.Start(t, simtest.Dialect(d))
	image := simtest.Push(t, s, simtest.Rootfs(t, simtest.GoBinary(t, "../deploy/testdata/standin"), 0o755), []string{"/usr/bin/openfga"}, simtest.Name("golden"))
	rec := &recorder{}
	c, err := kraftcloud.New(s.Endpoints().API, s.Endpoints().Token, kraftcloud.WithHTTPClient(&http.Client{Transport: rec}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err = c.Quotas(ctx)
	must("quotas", err)
	_, err = c.FindImage(ctx, api.ImageFilter{Digest: image})
	must("find image", err)
	g, err := c.CreateServiceGroup(ctx, api.ServiceGroupSpec{Name: "golden", Services: []api.Service{{Port: 443, DestinationPort: 8080, Handlers: []api.Handler{api.HandlerTLS, api.HandlerHTTP}}}})
	must("create group", err)
	vol, err := c.CreateVolume(ctx, api.CreateVolumeRequest{Name: "golden-data", SizeMB: 16, Tags: []string{"golden"}})
	must("create volume", err)
	inst, err := c.CreateInstance(ctx, api.CreateInstanceRequest{
		Name: "golden-abcdef", Image: image, Args: []string{"/usr/bin/openfga"}, Env: map[string]string{"STANDIN": "1"},
		MemoryMB: 128, ServiceGroup: &api.ServiceGroupSpec{Name: g.Name}, Volumes: []api.VolumeMount{{Name: vol.Name, At: "/data"}},
		Autostart: true, RestartPolicy: api.RestartOnFailure, Tags: []string{"openfga-kraftcloud/run=golden"},
	})
	must("create instance", err)
	ref := api.ByUUID(inst.UUID)
	_, err = c.WaitInstance(ctx, ref, api.StateRunning, 5*time.Second)
	must("wait", err)
	_, err = c.GetInstance(ctx, api.ByName("golden-abcdef"))
	must("get by name", err)
	_, err = c.ListInstances(ctx)
	must("list", err)
	_, err = c.ReadLogs(ctx, ref, 4096)
	must("logs", err)
	_, err = c.GetServiceGroup(ctx, api.ByName("golden"))
	must("get group", err)
	_, err = c.StopInstance(ctx, ref, false, time.Second)
	must("stop (drain)", err)
	_, err = c.WaitInstance(ctx, ref, api.StateStopped, 5*time.Second)
	must("wait stopped", err)
	if d == spec.V1 { // the legacy spec has no clone
		_, err = c.CloneVolume(ctx, api.ByUUID(vol.UUID), "golden-copy")
		must("clone", err)
		_, err = c.DeleteVolume(ctx, api.ByName("golden-copy"))
		must("delete the copy", err)
	}
	if d == spec.V1 { // the legacy spec has no autoscale
		low, high := int64(30), int64(70)
		must("configure autoscale", c.CreateAutoscale(ctx, g.UUID, api.AutoscaleRequest{MinSize: 1, MaxSize: 3, WarmupTimeMs: 1000, CooldownTimeMs: 1000,
			CreateArgs: &api.AutoscaleArgs{Template: &api.Ref{UUID: inst.UUID}},
			Policies: []api.AutoscalePolicy{{Name: "cpu", Enabled: true, Metric: "cpu", AdjustmentType: "change",
				Steps: []api.AutoscaleStep{{Adjustment: -1, UpperBound: &low}, {Adjustment: 1, LowerBound: &high}}}}}))
		if _, ok, err := c.GetAutoscale(ctx, g.UUID); err != nil || !ok {
			t.Fatalf("get autoscale: %v %v", ok, err)
		}
		must("delete autoscale", c.DeleteAutoscale(ctx, g.UUID))
		if _, ok, err := c.GetAutoscale(ctx, g.UUID); err != nil || ok {
			t.Fatalf("get autoscale after its delete: %v %v", ok, err)
		}
	}
	_, err = c.StartInstance(ctx, ref)
	must("start", err)
	_, err = c.StopInstance(ctx, ref, true, 0)
	must("stop (force)", err)
	_, err = c.DeleteInstance(ctx, ref)
	must("delete instance", err)
	_, err = c.GetVolume(ctx, api.ByName(vol.Name))
	must("get volume", err)
	must("delete volume", deleteVolume(ctx, c, vol.Name))
	_, err = c.DeleteServiceGroup(ctx, api.ByUUID(g.UUID))
	must("delete group", err)
	if d == spec.V1 { // the legacy spec has no certificates
		_, chain, key := simtest.Certificate(t, "golden.example.org")
		_, err = c.CreateCertificate(ctx, api.CreateCertificateRequest{Name: "golden-cert", CommonName: "golden.example.org", Chain: chain, PKey: key})
		must("upload certificate", err)
		_, err = c.ListCertificates(ctx)
		must("list certificates", err)
		must("delete certificate", c.DeleteCertificate(ctx, api.ByName("golden-cert")))
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.reqs)
}

// deleteVolume retries while the deleted instance still holds the volume.
func deleteVolume(ctx context.Context, c *kraftcloud.Client, name string) error {
	for {
		_, err := c.DeleteVolume(ctx, api.ByName(name))
		if err == nil || !kraftcloud.HasCode(err, api.ErrAttached) || ctx.Err() != nil {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// formLine is a request as the golden file lists it: the method, the
// spec's path template, the query keys and the body's key paths (values
// differ from run to run; keys are the wire format), and "refused" for a
// form the simulator turned down (a fallback the client then leaves).
func formLine(t *testing.T, d spec.Dialect, r sent) string {
	path := r.path
	if f, _, ref := spec.Match(d, r.method, r.path); ref == nil {
		path = f.Path
	}
	var q []string
	for k := range r.query {
		q = append(q, k)
	}
	slices.Sort(q)
	line := r.method + " " + path
	if len(q) > 0 {
		line += " ?" + strings.Join(q, ",")
	}
	if keys := keyPaths(t, r.body); len(keys) > 0 {
		line += " " + strings.Join(keys, " ")
	}
	if r.status >= 300 {
		line += fmt.Sprintf(" -> %d refused", r.status)
	}
	return line
}

// keyPaths lists a JSON body's keys as paths, [] for an array's items.
func keyPaths(t *testing.T, body []byte) []string {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	set := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				p := strings.TrimPrefix(prefix+"."+k, ".")
				set[p] = true
				if k != "env" { // env's keys are the user's variables
					walk(p, e)
				}
			}
		case []any:
			for _, e := range v {
				walk(prefix+"[]", e)
			}
		}
	}
	walk("", v)
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// rename is a body with one key renamed.
type rename struct {
	key  string
	body []byte
}

// renamed returns the body once for each of its keys (env's excepted),
// that key with "_x" appended.
func renamed(t *testing.T, body []byte) []rename {
	var out []rename
	for _, p := range keyPaths(t, body) {
		if strings.HasPrefix(p, "env.") {
			continue
		}
		var v any
		_ = json.Unmarshal(body, &v)
		if renameAt(v, strings.Split(strings.ReplaceAll(p, "[]", ".[]"), ".")) {
			b, _ := json.Marshal(v)
			out = append(out, rename{p, b})
		}
	}
	return out
}

// renameAt renames the key at path in every item it reaches.
func renameAt(v any, path []string) bool {
	if len(path) > 0 && path[0] == "" {
		path = path[1:]
	}
	if len(path) == 0 {
		return false
	}
	switch v := v.(type) {
	case []any:
		if path[0] != "[]" {
			return false
		}
		done := false
		for _, e := range v {
			done = renameAt(e, path[1:]) || done
		}
		return done
	case map[string]any:
		e, ok := v[path[0]]
		if !ok {
			return false
		}
		if len(path) == 1 {
			delete(v, path[0])
			v[path[0]+"_x"] = e
			return true
		}
		return renameAt(e, path[1:])
	}
	return false
}

func dedupe(lines []string) []string {
	var out []string
	for _, l := range lines {
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// golden compares lines with the file, or rewrites it with -update.
func golden(t *testing.T, file string, lines []string) {
	got := strings.Join(lines, "\n") + "\n"
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (go test -run TestGoldenRequests -update ./ci/kraftcloud writes it)", err)
	}
	if string(want) != got {
		t.Errorf("the requests sent differ from %s (if the change is meant, rewrite it with -update and review the diff):\n--- want\n%s--- got\n%s", file, want, got)
	}
}
