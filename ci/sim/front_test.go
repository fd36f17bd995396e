package sim_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
)

// TestBalance: a persistent service group with two running instances
// spreads requests over both (rollouts rely on it).
func TestBalance(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	var resp api.Response[api.ServiceGroup]
	call(t, s, http.MethodPost, "/v1/services", api.ServiceGroupSpec{Name: "web", Services: webService}, &resp)
	groups := resp.Items(api.KindServiceGroups)
	if len(groups) != 1 || groups[0].Failed() || !groups[0].Persistent {
		t.Fatalf("create service group: %+v", resp)
	}
	fqdn := groups[0].Domains[0].FQDN
	if fqdn != "web."+s.Endpoints().Domain {
		t.Errorf("fqdn %q", fqdn)
	}
	img := appImage(t, s, "web", "/app")
	for _, name := range []string{"blue", "green"} {
		create(t, s, api.CreateInstanceRequest{Name: name, Image: img, Autostart: true, ServiceGroup: &api.ServiceGroupSpec{Name: "web"}})
	}
	// The front sends traffic only to instances that listen (net_time_us).
	for _, name := range []string{"blue", "green"} {
		for deadline := time.Now().Add(10 * time.Second); get(t, s, name).NetTimeUs == 0 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
	}
	c := simtest.FrontClient(t, s)
	seen := map[string]int{}
	for range 8 {
		code, body := fetch(t, c, fqdn, "/")
		if code != http.StatusOK {
			t.Fatalf("GET: %d %s", code, body)
		}
		seen[strings.TrimSpace(body)]++
	}
	if seen["hello from blue"] == 0 || seen["hello from green"] == 0 {
		t.Errorf("requests went to %v, want both", seen)
	}
	// A group with members cannot be deleted.
	call(t, s, http.MethodDelete, "/v1/services", []api.Ref{{Name: "web"}}, &resp)
	if g := resp.Items(api.KindServiceGroups); len(g) != 1 || g[0].Error != api.ErrAttached {
		t.Errorf("delete busy group: %+v", resp)
	}
}

// TestScaleToZero: an idle instance goes to standby (stop_reason 39) and
// traffic through the front boots it again.
func TestScaleToZero(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	img := appImage(t, s, "web", "/app")
	inst := create(t, s, api.CreateInstanceRequest{Name: "sleepy", Image: img, Autostart: true,
		ServiceGroup: &api.ServiceGroupSpec{Services: webService},
		ScaleToZero:  &api.ScaleToZero{Policy: api.ScaleToZeroOn, CooldownTimeMs: 300}})
	waitRunning(t, s, "sleepy")
	got := waitSettled(t, s, "sleepy", 10*time.Second)
	if got.State != api.StateStandby || got.StopReason != 39 {
		t.Fatalf("idle: state %s stop_reason %d, want standby 39", got.State, got.StopReason)
	}
	code, body := fetch(t, simtest.FrontClient(t, s), inst.PublicFQDNs()[0], "/")
	if code != http.StatusOK || body != "hello from sleepy\n" {
		t.Fatalf("wake: %d %q", code, body)
	}
	if got := get(t, s, "sleepy"); got.StartCount != 2 {
		t.Errorf("start_count %d, want 2", got.StartCount)
	}
}

// TestRedirect: the plain-HTTP front answers the 80 → 443 redirect service.
func TestRedirect(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	var resp api.Response[api.ServiceGroup]
	services := append(append([]api.Service{}, webService...),
		api.Service{Port: 80, DestinationPort: 443, Handlers: []api.Handler{api.HandlerHTTP, api.HandlerRedirect}})
	call(t, s, http.MethodPost, "/v1/services", api.ServiceGroupSpec{Name: "site", Services: services,
		Domains: []api.Domain{{Name: "www.example.test."}}}, &resp)
	if g := resp.Items(api.KindServiceGroups); len(g) != 1 || g[0].Failed() || g[0].Domains[0].FQDN != "www.example.test" {
		t.Fatalf("create: %+v", resp)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+s.Endpoints().HTTP+"/a?b=c", nil)
	req.Host = "www.example.test"
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != "https://www.example.test/a?b=c" {
		t.Errorf("redirect: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	// The platform's rules on service ports and handlers are enforced.
	bad := api.ServiceGroupSpec{Services: []api.Service{{Port: 443, DestinationPort: 8080, Handlers: []api.Handler{api.HandlerTLS}}}}
	call(t, s, http.MethodPost, "/v1/services", bad, &resp)
	if g := resp.Items(api.KindServiceGroups); len(g) != 1 || g[0].Error != api.ErrInvalid || resp.Status != api.StatusError {
		t.Errorf("443 without http: %+v", resp)
	}
}
