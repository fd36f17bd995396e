package sim_test

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// TestServeThroughFront: a static Go server reaches running, answers
// through the TLS front by its FQDN, and its logs come back.
func TestServeThroughFront(t *testing.T) {
	s := simtest.Start(t)
	img := appImage(t, s, "web", "/app")
	inst := create(t, s, api.CreateInstanceRequest{Name: "web", Image: img, Autostart: true,
		ServiceGroup: &api.ServiceGroupSpec{Services: webService}})
	if inst.PrivateFQDN != "web.internal" || privateIP(inst) == "" || inst.PrivateIP != "" {
		t.Errorf("create: private_fqdn %q, network_interfaces[0].private_ip %q, top-level private_ip %q (v1 has none)",
			inst.PrivateFQDN, privateIP(inst), inst.PrivateIP)
	}
	fqdns := inst.PublicFQDNs()
	if len(fqdns) != 1 || !strings.HasSuffix(fqdns[0], "."+s.Endpoints().Domain) {
		t.Fatalf("public FQDNs %v, domain %s", fqdns, s.Endpoints().Domain)
	}
	waitRunning(t, s, "web")
	code, body := fetch(t, simtest.FrontClient(t, s), fqdns[0], "/")
	if code != http.StatusOK || body != "hello from web\n" {
		t.Fatalf("GET /: %d %q", code, body)
	}
	if l := logs(t, s, "web"); !strings.Contains(l, "app: web listening on :8080") {
		t.Errorf("logs: %q", l)
	}
	got := get(t, s, "web")
	if got.State != api.StateRunning || got.BootTimeUs <= 0 || got.NetTimeUs <= 0 || got.UptimeMs < 0 {
		t.Errorf("get: %+v", got)
	}
}

// TestInternalDNS: "<name>.internal" resolves inside an instance to the
// other instance's private IP; unknown names do not resolve.
func TestInternalDNS(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	img := appImage(t, s, "web", "/app")
	peer := create(t, s, api.CreateInstanceRequest{Name: "peer", Image: img, Autostart: true})
	web := create(t, s, api.CreateInstanceRequest{Name: "web", Image: img, Autostart: true,
		ServiceGroup: &api.ServiceGroupSpec{Services: webService}})
	waitRunning(t, s, "web")
	c := simtest.FrontClient(t, s)
	code, body := fetch(t, c, web.PublicFQDNs()[0], "/lookup?host=peer.internal")
	if code != http.StatusOK || strings.TrimSpace(body) != privateIP(peer) || privateIP(peer) == "" {
		t.Errorf("lookup peer.internal: %d %q, want %s", code, body, privateIP(peer))
	}
	code, body = fetch(t, c, web.PublicFQDNs()[0], "/lookup?host=postgres.internal")
	if code != http.StatusBadGateway || !strings.Contains(body, "no such host") {
		t.Errorf("lookup postgres.internal: %d %q, want no such host", code, body)
	}
}

// TestGateway: an instance reaches a server of the host that listens on
// Endpoints.Gateway, which is where its DNS queries go too.
func TestGateway(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	gw, err := netip.ParseAddr(s.Endpoints().Gateway)
	if err != nil {
		t.Fatalf("gateway %q: %v", s.Endpoints().Gateway, err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(gw.String(), "0"))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "hello from the host")
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	img := appImage(t, s, "web", "/app")
	web := create(t, s, api.CreateInstanceRequest{Name: "web", Image: img, Autostart: true,
		ServiceGroup: &api.ServiceGroupSpec{Services: webService}})
	if ip, err := netip.ParseAddr(privateIP(web)); err != nil || !netip.PrefixFrom(gw, 24).Masked().Contains(ip) {
		t.Errorf("private IP %q is not on the gateway's network %s", privateIP(web), gw)
	}
	waitRunning(t, s, "web")
	c, fqdn := simtest.FrontClient(t, s), web.PublicFQDNs()[0]
	code, body := fetch(t, c, fqdn, "/get?url=http://"+ln.Addr().String()+"/")
	if code != http.StatusOK || body != "hello from the host" {
		t.Errorf("GET the host's server from the instance: %d %q", code, body)
	}
	if code, body := fetch(t, c, fqdn, "/cat?path=/etc/resolv.conf"); code != http.StatusOK || body != "nameserver "+gw.String()+"\n" {
		t.Errorf("the instance's /etc/resolv.conf: %d %q, want nameserver %s", code, body, gw)
	}
}

// TestLoaderDynamicPIE: a CGO_ENABLED=0 -buildmode=pie build is dynamic
// (PT_INTERP, no ld.so in the image): exit 243 and no output, as observed
// on the platform (loader.go).
func TestLoaderDynamicPIE(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	img := pushImage(t, s, "pie", map[string]file{"usr/bin/openfga": {src: appBinary(t, "-buildmode=pie"), mode: 0o755}},
		[]string{"/usr/bin/openfga", "run"})
	create(t, s, api.CreateInstanceRequest{Name: "pie", Image: img, Autostart: true})
	got := waitSettled(t, s, "pie", 20*time.Second)
	if got.State != api.StateStopped || got.ExitCode != 243 || got.StopReason != api.StopApp|api.StopKernel {
		t.Errorf("got state %s exit %d stop_reason %s, want stopped 243 ----AK", got.State, got.ExitCode, got.StopReason)
	}
	if l := logs(t, s, "pie"); l != "" {
		t.Errorf("logs %q, want none", l)
	}
}

// TestPanicExit2: an app that panics shows exit 2 and its panic in logs.
func TestPanicExit2(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	img := appImage(t, s, "app", "/app")
	create(t, s, api.CreateInstanceRequest{Name: "crashy", Image: img, Args: []string{"/app", "panic"}, Autostart: true})
	got := waitSettled(t, s, "crashy", 20*time.Second)
	if got.State != api.StateStopped || got.ExitCode != 2 || got.StopReason != api.StopApp|api.StopKernel || uint32(got.StopCode) != sim.AppExitStopCode {
		t.Errorf("got %s exit %d stop_reason %s stop_code %#x", got.State, got.ExitCode, got.StopReason, uint32(got.StopCode))
	}
	l := logs(t, s, "crashy")
	if !strings.Contains(l, "panic: hostname resolving error: lookup postgres.default: no such host") || !strings.Contains(l, "goroutine 1") {
		t.Errorf("logs: %q", l)
	}
}

// TestOutOfMemory: going over memory_mb stops the instance with the OOM
// stop_code (PGFAULT, ENOMEM, app running) and reason 1 (runner.go).
func TestOutOfMemory(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	img := appImage(t, s, "app", "/app")
	create(t, s, api.CreateInstanceRequest{Name: "hungry", Image: img, Args: []string{"/app", "oom"}, MemoryMB: 32, Autostart: true})
	got := waitSettled(t, s, "hungry", 30*time.Second)
	if got.State != api.StateStopped || got.StopReason != api.StopKernel || got.StopCode != 0x000C7F04 {
		t.Errorf("got %s stop_reason %s stop_code %#x, want stopped -----K 0xc7f04", got.State, got.StopReason, uint32(got.StopCode))
	}
	if f := got.StopCode.Decode(got.StopReason); f.Reason != api.ReasonPGFAULT || f.ErrnoName != "ENOMEM" {
		t.Errorf("decoded %+v", f)
	}
	if !strings.Contains(logs(t, s, "hungry"), "app: holding") {
		t.Error("no output before the OOM")
	}
}

// TestDeleteCleansUp: delete stops a running instance and removes its
// process, netns, veth and cgroup; its name and address stop answering.
func TestDeleteCleansUp(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	img := appImage(t, s, "web", "/app")
	inst := create(t, s, api.CreateInstanceRequest{Name: "doomed", Image: img, Autostart: true,
		ServiceGroup: &api.ServiceGroupSpec{Services: webService}})
	waitRunning(t, s, "doomed")
	c := simtest.FrontClient(t, s)
	fqdn := inst.PublicFQDNs()[0]
	if code, _ := fetch(t, c, fqdn, "/"); code != http.StatusOK {
		t.Fatalf("before delete: %d", code)
	}
	pid, ns, veth, cg := s.RunOf(inst.UUID)
	if !sim.NetnsExists(ns) || !sim.LinkExists(veth) || !exists(cg) {
		t.Fatalf("while running: netns %v veth %v cgroup %v", sim.NetnsExists(ns), sim.LinkExists(veth), exists(cg))
	}
	del := instanceCall(t, s, http.MethodDelete, "/v1/instances", []api.Ref{{Name: "doomed"}})
	if del.Failed() || del.PreviousState != api.StateRunning {
		t.Fatalf("delete: %+v", del)
	}
	if exists(fmt.Sprintf("/proc/%d", pid)) || sim.NetnsExists(ns) || sim.LinkExists(veth) || exists(cg) {
		t.Errorf("after delete: process %v netns %v veth %v cgroup %v", exists(fmt.Sprintf("/proc/%d", pid)), sim.NetnsExists(ns), sim.LinkExists(veth), exists(cg))
	}
	if conn, err := net.DialTimeout("tcp", privateIP(inst)+":8080", time.Second); err == nil {
		conn.Close()
		t.Errorf("%s:8080 still answers", privateIP(inst))
	}
	if code, _ := fetch(t, c, fqdn, "/"); code != http.StatusNotFound {
		t.Errorf("front after delete: %d, want 404", code)
	}
	if got := get(t, s, "doomed"); got.Error != api.ErrNotFound || got.Message != "No instance with name 'doomed'" {
		t.Errorf("get after delete: %+v", got.ItemStatus)
	}
}

// TestFaults: 429 bursts with Retry-After, then 503, then success; a crash
// on start stops the instance as a kernel crash.
func TestFaults(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	var f sim.Faults
	if code := call(t, s, http.MethodPost, "/_sim/faults", sim.Faults{RateLimit: 2, RetryAfterSeconds: 3, ServerErrors: 1}, &f); code != http.StatusOK || f.RateLimit != 2 {
		t.Fatalf("set faults: %d %+v", code, f)
	}
	for i, want := range []int{429, 429, 503, 200} {
		req, _ := http.NewRequest(http.MethodGet, s.Endpoints().API+"/v1/instances", nil)
		req.Header.Set("Authorization", "Bearer "+s.Endpoints().Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("request %d: %d, want %d", i, resp.StatusCode, want)
		}
		if want == 429 && resp.Header.Get("Retry-After") != "3" {
			t.Errorf("request %d: Retry-After %q", i, resp.Header.Get("Retry-After"))
		}
	}
	s.SetFaults(sim.Faults{CrashOnStart: 1})
	img := appImage(t, s, "web", "/app")
	create(t, s, api.CreateInstanceRequest{Name: "unlucky", Image: img, Autostart: true})
	got := waitSettled(t, s, "unlucky", 10*time.Second)
	if got.State != api.StateStopped || got.StopReason != api.StopKernel || got.StopCode.Decode(got.StopReason).Reason != api.ReasonSEGFAULT {
		t.Errorf("crash on start: %s %s %#x", got.State, got.StopReason, uint32(got.StopCode))
	}
	// Slow answers: the delay is applied, then the answer is normal.
	s.SetFaults(sim.Faults{Slow: 1, DelayMs: 300})
	start := time.Now()
	if code := call(t, s, http.MethodGet, "/v1/healthz", nil, nil); code != http.StatusOK || time.Since(start) < 300*time.Millisecond {
		t.Errorf("slow: %d after %v", code, time.Since(start))
	}
}

// TestDynamicWithInterpreter: a dynamic executable starts when its
// interpreter and libraries are in the image (inferred from the postgres
// example, loader.go), here the host's /bin/echo with its glibc, reached
// through the absolute symlink /lib64/ld-linux-x86-64.so.2.
func TestDynamicWithInterpreter(t *testing.T) {
	t.Parallel()
	const ld, libc = "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/libc.so.6"
	for _, p := range []string{"/bin/echo", ld, libc} {
		if !exists(p) {
			t.Skip("no glibc /bin/echo on this host")
		}
	}
	s := simtest.Start(t)
	img := pushImage(t, s, "echo", map[string]file{
		"bin/echo":                   {src: "/bin/echo", mode: 0o755},
		ld[1:]:                       {src: ld, mode: 0o755},
		libc[1:]:                     {src: libc, mode: 0o755},
		"lib64/ld-linux-x86-64.so.2": {link: ld},
	}, []string{"/bin/echo", "hello from a dynamic binary"})
	create(t, s, api.CreateInstanceRequest{Name: "echo", Image: img, Autostart: true})
	got := waitSettled(t, s, "echo", 20*time.Second)
	if got.ExitCode != 0 || got.StopReason != api.StopApp|api.StopKernel {
		t.Errorf("got exit %d stop_reason %s", got.ExitCode, got.StopReason)
	}
	if l := logs(t, s, "echo"); l != "hello from a dynamic binary\n" {
		t.Errorf("logs %q", l)
	}
}
