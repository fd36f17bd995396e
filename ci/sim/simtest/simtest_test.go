package simtest_test

import (
	"context"
	"debug/elf"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

func TestMain(m *testing.M) { os.Exit(simtest.Main(m)) }

// TestGoBinary: static by default, the given flags instead of the default
// ones, one build per package and flags however the package is spelled.
func TestGoBinary(t *testing.T) {
	t.Parallel()
	static := simtest.GoBinary(t, "./testdata/hello")
	if again := simtest.GoBinary(t, "testdata/hello"); again != static {
		t.Errorf("built twice: %s, then %s", static, again)
	}
	pie := simtest.GoBinary(t, "./testdata/hello", "-buildmode=pie")
	if pie == static {
		t.Fatal("-buildmode=pie gave the default build")
	}
	if f := open(t, static); f.Type != elf.ET_EXEC || interp(f) || f.Section(".symtab") != nil {
		t.Errorf("default build: type %v, PT_INTERP %v, symbols %v; want a static, stripped ET_EXEC", f.Type, interp(f), f.Section(".symtab") != nil)
	}
	// CGO_ENABLED=0 with -buildmode=pie links dynamically: it asks for ld.so.
	if f := open(t, pie); f.Type != elf.ET_DYN || !interp(f) {
		t.Errorf("pie build: type %v, PT_INTERP %v; want a dynamic ET_DYN", f.Type, interp(f))
	}
}

func open(t *testing.T, path string) *elf.File {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if f.Machine != elf.EM_X86_64 {
		t.Errorf("%s: machine %v, want x86-64", path, f.Machine)
	}
	return f
}

func interp(f *elf.File) bool {
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return true
		}
	}
	return false
}

func TestRootfs(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(bin, []byte("not really a binary"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := simtest.Rootfs(t, bin, 0o751)
	fi, err := os.Stat(filepath.Join(root, "usr/bin/openfga"))
	if err != nil || fi.Mode() != 0o751 {
		t.Fatalf("usr/bin/openfga: %v %v, want mode 0751", fi, err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "usr/bin/openfga")); string(b) != "not really a binary" {
		t.Errorf("usr/bin/openfga holds %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/hosts")); string(b) != "127.0.0.1 localhost\n" {
		t.Errorf("etc/hosts holds %q", b)
	}
}

func TestSyncBuffer(t *testing.T) {
	t.Parallel()
	var b simtest.SyncBuffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				fmt.Fprintln(&b, "line")
			}
		}()
	}
	wg.Wait()
	if n := strings.Count(b.String(), "line\n"); n != 800 || len(b.String()) != 800*5 {
		t.Errorf("%d whole lines in %d bytes, want 800 in 4000", n, len(b.String()))
	}
}

// recorder is a testing.TB whose errors and logs are kept, not reported.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	logs   []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Log(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprint(args...))
}

func TestNoSecrets(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-0123456789"
	rec := &recorder{TB: t}
	simtest.NoSecrets(rec, map[string]string{"stderr": "token " + secret + " used", "stdout": "all clean"}, "", secret)
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "stderr") || strings.Contains(rec.errors[0], secret[:4]) {
		t.Errorf("errors %q, want one naming stderr and not showing the secret", rec.errors)
	}
	rec = &recorder{TB: t}
	simtest.NoSecrets(rec, map[string]string{"stdout": "all clean"}, secret)
	if len(rec.errors) != 0 {
		t.Errorf("errors on clean text: %q", rec.errors)
	}
}

// TestProbe: healthy answers and failures are counted, the first failure
// kept, and nothing is asked once Halt returns.
func TestProbe(t *testing.T) {
	t.Parallel()
	var asked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		if asked.Add(1) <= 3 {
			fmt.Fprintln(w, `{"status":"SERVING"}`)
			return
		}
		http.Error(w, `{"status":"NOT_SERVING"}`, http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	p := simtest.Probe(srv.Client(), srv.URL)
	for deadline := time.Now().Add(5 * time.Second); p.Failed() < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	p.Halt()
	p.Halt()
	ok, failed, n := p.OK(), p.Failed(), asked.Load()
	if ok != 3 || failed < 2 || ok+failed != n || p.FirstFailure() != `503 {"status":"NOT_SERVING"}` {
		t.Errorf("ok %d failed %d of %d asked, first failure %q", ok, failed, n, p.FirstFailure())
	}
	time.Sleep(150 * time.Millisecond)
	if asked.Load() != n {
		t.Errorf("asked %d times after Halt", asked.Load()-n)
	}
}

// TestStartPushServe: Start logs to the test and applies its options;
// Push gives an image the API finds and runs; FrontClient and Probe reach
// it by its public FQDN.
func TestStartPushServe(t *testing.T) {
	t.Parallel()
	rec := &recorder{TB: t}
	s := simtest.Start(rec, simtest.Faults(sim.Faults{ServerErrors: 1}))
	ep := s.Endpoints()
	rec.mu.Lock()
	logged := strings.Join(rec.logs, "\n")
	rec.mu.Unlock()
	if !strings.Contains(logged, "sim: ready: api "+ep.API) {
		t.Errorf("the simulator's log did not reach the test's: %q", logged)
	}
	if _, err := netip.ParseAddr(ep.Gateway); err != nil {
		t.Errorf("gateway %q: %v", ep.Gateway, err)
	}
	resp, err := http.Get(ep.API + "/v1/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("first request with one server error switched on: %d, want 503", resp.StatusCode)
	}

	root := simtest.Rootfs(t, simtest.GoBinary(t, "./testdata/hello"), 0o755)
	img := simtest.Push(t, s, root, []string{"/usr/bin/openfga"}, simtest.Name("hello"), simtest.Tag("v1"))
	if !regexp.MustCompile(`^[a-z0-9.-]+/hello@sha256:[0-9a-f]{64}$`).MatchString(img) {
		t.Fatalf("image %q, want <namespace>/hello@sha256:…", img)
	}
	c, err := kraftcloud.New(ep.API, ep.Token)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if found, err := c.FindImage(ctx, api.ImageFilter{Tag: strings.Split(img, "/")[0] + "/hello:v1"}); err != nil || found.Args != "/usr/bin/openfga" {
		t.Errorf("find the tag: %+v %v", found, err)
	}
	inst, err := c.CreateInstance(ctx, api.CreateInstanceRequest{Name: "hello", Image: img, Autostart: true, TimeoutS: 20,
		ServiceGroup: &api.ServiceGroupSpec{Services: []api.Service{{Port: 443, DestinationPort: 8080, Handlers: []api.Handler{api.HandlerHTTP, api.HandlerTLS}}}}})
	if err != nil {
		t.Fatal(err)
	}
	// The front routes only to an instance that listens.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got, err := c.GetInstance(ctx, api.ByName("hello")); err != nil || got.NetTimeUs > 0 {
			break
		}
	}
	p := simtest.Probe(simtest.FrontClient(t, s), "https://"+inst.PublicFQDNs()[0])
	for deadline := time.Now().Add(5 * time.Second); p.OK() < 3 && p.Failed() == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	p.Halt()
	if p.OK() < 3 || p.Failed() != 0 {
		t.Errorf("probing through the front: %d ok, %d failed, first failure %q", p.OK(), p.Failed(), p.FirstFailure())
	}
}

// TestShared: every test gets the one simulator, started with the first
// call's options.
func TestShared(t *testing.T) {
	t.Parallel()
	var shared simtest.Shared
	a := shared.Start(t, simtest.StopGrace(2*time.Second), simtest.Faults(sim.Faults{ServerErrors: 1}))
	var b *sim.Sim
	t.Run("another test", func(t *testing.T) { b = shared.Start(t) })
	if a != b {
		t.Fatal("two simulators")
	}
	resp, err := http.Get(a.Endpoints().API + "/v1/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("the first call's faults: %d, want 503", resp.StatusCode)
	}
}
