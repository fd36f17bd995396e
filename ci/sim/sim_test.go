package sim

import (
	"net/http"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// TestServeThroughFront: a static Go server reaches running, answers
// through the TLS front by its FQDN, and its logs come back.
func TestServeThroughFront(t *testing.T) {
	s := startSim(t)
	img := pushImage(t, s, "web", map[string]file{"app": {src: buildApp(t), mode: 0o755}}, []string{"/app"})
	inst := create(t, s, api.CreateInstanceRequest{Name: "web", Image: img, Autostart: true,
		ServiceGroup: &api.ServiceGroupSpec{Services: webService}})
	if inst.PrivateFQDN != "web.internal" || inst.PrivateIP == "" {
		t.Errorf("create: private_fqdn %q private_ip %q", inst.PrivateFQDN, inst.PrivateIP)
	}
	fqdns := inst.PublicFQDNs()
	if len(fqdns) != 1 || !strings.HasSuffix(fqdns[0], "."+s.Endpoints().Domain) {
		t.Fatalf("public FQDNs %v, domain %s", fqdns, s.Endpoints().Domain)
	}
	waitRunning(t, s, "web")
	code, body := fetch(t, httpsClient(t, s), fqdns[0], "/")
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
