package datastore

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/cpio"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/pgimage"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// One simulator serves the whole package (tests use their own names): it
// holds the pushed OpenFGA and PostgreSQL images. TestMain closes it.
var shared struct {
	once    sync.Once
	err     error
	skip    string
	sim     *sim.Sim
	gateway string // the bridge's host address: instances reach the host's PostgreSQL there
	openfga string // the OpenFGA image as the API names it
	pgOnce  sync.Once
	pg      string // the PostgreSQL image
	pgErr   error
	pgSkip  string
	tmp     []string // removed by TestMain
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.sim != nil {
		_ = shared.sim.Close()
	}
	for _, d := range shared.tmp {
		_ = os.RemoveAll(d)
	}
	os.Exit(code)
}

// env is the shared simulator with the OpenFGA image pushed.
func env(t *testing.T) {
	t.Helper()
	shared.once.Do(setup)
	if shared.skip != "" {
		t.Skip(shared.skip)
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
}

func setup() {
	if os.Geteuid() != 0 {
		shared.skip = "the simulator needs root (namespaces, bridge, cgroups): run go test as root"
		return
	}
	bin := os.Getenv("OPENFGA_BIN")
	if bin == "" {
		shared.skip = "OPENFGA_BIN is not set: build OpenFGA (go run . build -o /tmp/openfga) and set OPENFGA_BIN=/tmp/openfga to test the datastores against real OpenFGA"
		return
	}
	if _, err := os.Stat(bin); err != nil {
		shared.skip = fmt.Sprintf("OPENFGA_BIN=%s: %v", bin, err)
		return
	}
	s, gw, err := startSim()
	if err != nil {
		shared.err = err
		return
	}
	shared.sim, shared.gateway = s, gw
	root, err := openfgaRootfs(bin)
	if err == nil {
		shared.openfga, err = push(root, "openfga", []string{"/usr/bin/openfga", "run"})
	}
	shared.err = err
}

// startSim starts the simulator on a subnet of our choosing, so the
// gateway (its .1, the host's address on the bridge) is known.
func startSim() (*sim.Sim, string, error) {
	var last error
	for range 20 {
		var b [2]byte
		_, _ = rand.Read(b[:])
		prefix := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 200 + b[0]%50, b[1], 0}), 24)
		s, err := sim.Start(sim.Options{Log: io.Discard, StopGrace: 2 * time.Second, Subnet: prefix.String()})
		if err == nil {
			return s, prefix.Addr().Next().String(), nil
		}
		if last = err; !strings.Contains(err.Error(), "overlaps") {
			break
		}
	}
	return nil, "", last
}

func openfgaRootfs(bin string) (string, error) {
	root, err := os.MkdirTemp("", "datastore-openfga-")
	if err != nil {
		return "", err
	}
	shared.tmp = append(shared.tmp, root)
	b, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	files := map[string][]byte{"usr/bin/openfga": b, "etc/hosts": []byte("127.0.0.1 localhost\n"), "etc/nsswitch.conf": []byte("hosts: files dns\n")}
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, data, 0o755); err != nil {
			return "", err
		}
	}
	return root, nil
}

// push packages root as an image of the shared simulator's registry.
func push(root, name string, cmd []string) (string, error) {
	ctx := context.Background()
	ep := shared.sim.Endpoints()
	tok, err := kraftcloud.ParseToken(ep.Token)
	if err != nil {
		return "", err
	}
	user, secret := tok.RegistryAuth()
	acc := unikernel.Access{Username: user, Password: secret, PlainHTTP: true}
	rt, err := unikernel.PullRuntime(ctx, unikernel.RuntimeRef(ep.Registry, "base-compat:latest"), acc)
	if err != nil {
		return "", err
	}
	ref, err := unikernel.NewRef(ep.Registry, tok.Namespace(), name, "latest")
	if err != nil {
		return "", err
	}
	if name == "openfga-pg" {
		return pgimage.Push(ctx, root, rt, ref, acc)
	}
	initrd, err := unikernel.InitrdFromDir(root, cpio.Options{})
	if err != nil {
		return "", err
	}
	img, err := unikernel.Build(rt, initrd, unikernel.Spec{Ref: ref, Cmd: cmd})
	if err != nil {
		return "", err
	}
	if _, err := unikernel.Push(ctx, img, acc); err != nil {
		return "", err
	}
	return ref.PlatformImage(img.Digest), nil
}

// pgImage is the PostgreSQL image (ci/pgimage) built from $PG_DEBS.
func pgImage(t *testing.T) string {
	t.Helper()
	env(t)
	shared.pgOnce.Do(func() {
		debs := os.Getenv("PG_DEBS")
		if debs == "" {
			debs = "/var/tmp/ofk-pgdebs"
		}
		if m, _ := filepath.Glob(filepath.Join(debs, "postgresql-*.deb")); len(m) == 0 {
			shared.pgSkip = "no PostgreSQL packages in " + debs + ": run `bash .ci/pg-rootfs.sh` (it prints PG_DEBS=...)"
			return
		}
		tmp, err := os.MkdirTemp("", "datastore-pg-")
		if err != nil {
			shared.pgErr = err
			return
		}
		shared.tmp = append(shared.tmp, tmp)
		ep := filepath.Join(tmp, "pg-entrypoint")
		if shared.pgErr = pgimage.BuildEntrypoint(context.Background(), ep); shared.pgErr != nil {
			return
		}
		root := filepath.Join(tmp, "rootfs")
		if _, shared.pgErr = pgimage.Layout(context.Background(), pgimage.Options{Debs: debs, Out: root, Entrypoint: ep}); shared.pgErr != nil {
			return
		}
		shared.pg, shared.pgErr = push(root, "openfga-pg", nil)
	})
	if shared.pgSkip != "" {
		t.Skip(shared.pgSkip)
	}
	if shared.pgErr != nil {
		t.Fatal(shared.pgErr)
	}
	return shared.pg
}

// hostPG is the URI of the host's PostgreSQL (.ci/postgres.sh) as the
// simulator's instances reach it, and its password.
func hostPG(t *testing.T) (string, string) {
	t.Helper()
	env(t)
	pw := os.Getenv("PG_PASSWORD")
	if pw == "" {
		t.Skip("PG_PASSWORD is not set: start the test PostgreSQL with eval \"$(bash .ci/postgres.sh | sed 's/^/export /')\"")
	}
	user, db, port := os.Getenv("PG_USER"), os.Getenv("PG_DB"), os.Getenv("PG_PORT")
	return fmt.Sprintf("postgres://%s:%s@%s:%s/%s?sslmode=disable", user, pw, shared.gateway, port, db), pw
}

// recorder is an http.RoundTripper that notes every API call in order.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.calls = append(r.calls, req.Method+" "+req.URL.Path)
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// client is an API client of the shared simulator that records its calls.
func client(t *testing.T) (*kraftcloud.Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	c, err := kraftcloud.New(shared.sim.Endpoints().API, shared.sim.Endpoints().Token,
		kraftcloud.WithHTTPClient(&http.Client{Transport: rec}))
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

// platform is what a deploy would hand to Prepare.
func platform(c *kraftcloud.Client, name string, log io.Writer) Platform {
	return Platform{Client: c, Name: name, Image: shared.openfga, MemoryMB: 256,
		Logf:     func(f string, a ...any) { fmt.Fprintf(log, f+"\n", a...) },
		Timeouts: Timeouts{Connect: 4 * time.Second, Ready: 60 * time.Second, Migrate: 60 * time.Second}}
}

// runOpenFGA starts an OpenFGA instance with the datastore's env, as a
// deploy would, and returns a client for it over the private network.
func runOpenFGA(t *testing.T, c *kraftcloud.Client, name string, dsEnv map[string]string) (*verify.Client, api.Instance) {
	t.Helper()
	ctx := context.Background()
	envv := map[string]string{"OPENFGA_HTTP_ADDR": "0.0.0.0:8080", "OPENFGA_PLAYGROUND_ENABLED": "false", "OPENFGA_LOG_FORMAT": "json"}
	for k, v := range dsEnv {
		envv[k] = v
	}
	inst, err := c.CreateInstance(ctx, api.CreateInstanceRequest{Name: name, Image: shared.openfga, MemoryMB: 256,
		Args: []string{"/usr/bin/openfga", "run"}, Env: envv, Autostart: true, RestartPolicy: api.RestartNever})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = c.DeleteInstance(context.Background(), api.ByUUID(inst.UUID)) })
	vc := &verify.Client{BaseURL: "http://" + inst.PrivateIP + ":8080", HTTP: &http.Client{Timeout: 5 * time.Second}}
	hctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := vc.WaitHealthy(hctx, 300*time.Millisecond); err != nil {
		b, _ := c.ReadLogs(ctx, api.ByUUID(inst.UUID), 4096)
		t.Fatalf("OpenFGA %s: %v\n%s", name, err, b)
	}
	return vc, inst
}

// leftovers lists the instances and volumes whose names start with prefix.
func leftovers(t *testing.T, c *kraftcloud.Client, prefix string) []string {
	t.Helper()
	ctx := context.Background()
	insts, err := c.ListInstances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, i := range insts {
		if strings.HasPrefix(i.Name, prefix) {
			out = append(out, "instance "+i.Name)
		}
	}
	if _, err := c.GetVolume(ctx, api.ByName(VolumeName(prefix))); err == nil {
		out = append(out, "volume "+VolumeName(prefix))
	}
	return out
}

// syncBuffer is a log writer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// noSecret fails the test if a text shows the secret.
func noSecret(t *testing.T, secret string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		if secret != "" && strings.Contains(text, secret) {
			t.Errorf("a secret appears in output:\n%s", text)
		}
	}
}
