package kraftcloud

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

var ctx = context.Background()

func TestResolveEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"fra":                     "https://api.fra.unikraft.cloud",
		"sfo":                     "https://api.sfo.unikraft.cloud",
		"fra0":                    "https://api.fra0.kraft.cloud",
		"was1":                    "https://api.was1.kraft.cloud",
		"http://127.0.0.1:8080":   "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/":  "http://127.0.0.1:8080",
		"https://api.x.test/v1":   "https://api.x.test",
		"https://api.x.test/v1/ ": "https://api.x.test",
	} {
		got, err := ResolveEndpoint(in)
		if err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "frankfurt", "FRA", "ftp://x", "http://", "https://u:p@api.x.test"} {
		if _, err := ResolveEndpoint(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

func TestTokenHelpers(t *testing.T) {
	tok, err := ParseToken(testToken)
	if err != nil {
		t.Fatal(err)
	}
	u, s := tok.RegistryAuth()
	if u != testUser || s != testSecret || tok.Namespace() != "acme" {
		t.Fatalf("user %q ns %q", u, tok.Namespace())
	}
	if ref, err := unikernel.NewRef(unikernel.DefaultRegistry, tok.Namespace(), "openfga", ""); err != nil || ref.Repository() != "index.unikraft.io/acme/openfga" {
		t.Fatal(ref.Repository(), err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		if out := sprintf(verb, tok); strings.Contains(out, testSecret) || strings.Contains(out, testToken) {
			t.Fatalf("%s leaks: %s", verb, out)
		}
	}
}

func TestBadTokenRefusedBeforeAnyRequest(t *testing.T) {
	f := newFakeAPI(t, reply{body: docQuotas})
	for _, bad := range []string{"", "not base64!", b64("nocolon"), b64("a:b:c"), b64(":secret"), b64("user:")} {
		_, err := New(f.srv.URL, bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
		} else if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("error quotes the token: %v", err)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

func TestGetInstanceByNameSendsBatchBody(t *testing.T) {
	f := newFakeAPI(t, reply{body: docGetInstance})
	c, _, _ := testClient(t, f)
	in, err := c.GetInstance(ctx, RefFor("httpserver-go121-taud8"))
	if err != nil {
		t.Fatal(err)
	}
	if in.State != api.StateStandby || in.StopReason != 39 || in.PrivateIP != "10.0.0.37" {
		t.Fatalf("%+v", in)
	}
	r := f.requests()[0]
	if r.Method != "GET" || r.Path != "/v1/instances" || r.Body != `[{"name":"httpserver-go121-taud8"}]` {
		t.Fatalf("request %+v", r)
	}
	if r.Auth != "Bearer "+testToken || r.Accept != "application/json" || r.ContentType != "application/json" {
		t.Fatalf("headers %+v", r)
	}
}

func TestGetInstanceByUUIDUsesPath(t *testing.T) {
	f := newFakeAPI(t, reply{body: docGetInstance})
	c, _, _ := testClient(t, f)
	if _, err := c.GetInstance(ctx, RefFor("bd281cc4-7640-4cbc-af48-5a44c2bd7b74")); err != nil {
		t.Fatal(err)
	}
	if r := f.requests()[0]; r.Path != "/v1/instances/bd281cc4-7640-4cbc-af48-5a44c2bd7b74" || r.Body != "" {
		t.Fatalf("%+v", r)
	}
}

func TestPerItemErrorIsTyped(t *testing.T) {
	f := newFakeAPI(t, reply{status: 404, body: docNotFound})
	c, _, _ := testClient(t, f)
	_, err := c.GetInstance(ctx, api.ByName("funky-town-g756b5d"))
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != api.ErrNotFound || !errors.Is(err, ErrNotFound) || !HasCode(err, api.ErrNotFound) {
		t.Fatalf("%#v", err)
	}
	if !strings.Contains(err.Error(), "NotFound") || !strings.Contains(err.Error(), "No instance with name 'funky-town-g756b5d'") {
		t.Fatal(err)
	}
	if len(f.requests()) != 1 {
		t.Fatal("a 404 with an envelope must not be retried")
	}
}

func TestPartialSuccessKeepsItemsAndErrors(t *testing.T) {
	f := newFakeAPI(t, reply{body: docPartial})
	c, _, _ := testClient(t, f)
	items, err := c.ListInstances(ctx)
	if len(items) != 2 || items[0].Name != "openfga" {
		t.Fatalf("items %+v", items)
	}
	if !HasCode(err, api.ErrNotFound) || !strings.Contains(err.Error(), "postgres") {
		t.Fatalf("err %v", err)
	}
}

func TestTopLevelErrorWithoutItems(t *testing.T) {
	f := newFakeAPI(t, reply{status: 401, body: docUnauthorized})
	c, _, _ := testClient(t, f)
	_, err := c.Quotas(ctx)
	var ae *APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != 401 || !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("%v", err)
	}
	if len(f.requests()) != 1 {
		t.Fatal("401 retried")
	}
}

func TestSuccessWithoutItemIsAnError(t *testing.T) {
	f := newFakeAPI(t, reply{body: `{"status":"success","data":{"instances":[]}}`})
	c, _, _ := testClient(t, f)
	if _, err := c.GetInstance(ctx, api.ByName("x")); !errors.Is(err, ErrEmptyAnswer) {
		t.Fatalf("%v", err)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	f := newFakeAPI(t,
		reply{status: 429, header: map[string]string{"Retry-After": "3"}, body: `{"status":"error","message":"slow down"}`},
		reply{body: docQuotas})
	c, s, logs := testClient(t, f)
	q, err := c.Quotas(ctx)
	if err != nil || q.Hard.Instances != 16 || q.Limits.MaxMemoryMB != 4096 {
		t.Fatalf("%+v %v", q, err)
	}
	if got := s.all(); len(got) != 1 || got[0] != 3*time.Second {
		t.Fatalf("sleeps %v", got)
	}
	if len(*logs) != 1 || !strings.Contains((*logs)[0], "HTTP 429") {
		t.Fatalf("logs %v", *logs)
	}
}

func TestRetryAfterBeyondBudgetGivesUp(t *testing.T) {
	f := newFakeAPI(t, reply{status: 503, header: map[string]string{"Retry-After": "3600"}, body: "busy"})
	c, s, _ := testClient(t, f)
	_, err := c.Quotas(ctx)
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 503 || len(s.all()) != 0 || len(f.requests()) != 1 {
		t.Fatalf("%v sleeps %v", err, s.all())
	}
}

func TestServiceUnavailableThenSuccess(t *testing.T) {
	f := newFakeAPI(t, reply{status: 503, body: "<html>503</html>"}, reply{status: 502}, reply{body: docGetInstance})
	c, s, _ := testClient(t, f)
	if _, err := c.GetInstance(ctx, api.ByName("x")); err != nil {
		t.Fatal(err)
	}
	got := s.all()
	// Equal jitter: retry n waits in [base*2^(n-1)/2, base*2^(n-1)].
	if len(got) != 2 || got[0] < 50*time.Millisecond || got[0] > 100*time.Millisecond ||
		got[1] < 100*time.Millisecond || got[1] > 200*time.Millisecond {
		t.Fatalf("sleeps %v", got)
	}
}

func TestRetriesAreBounded(t *testing.T) {
	f := newFakeAPI(t, reply{status: 504, body: "gateway timeout"})
	c, _, _ := testClient(t, f)
	_, err := c.ListInstances(ctx)
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 504 || len(f.requests()) != 4 {
		t.Fatalf("%v after %d requests", err, len(f.requests()))
	}
}

func TestCreateIsNotRetried(t *testing.T) {
	f := newFakeAPI(t, reply{status: 503, body: "unavailable"}, reply{body: docCreateInstance})
	c, s, _ := testClient(t, f)
	_, err := c.CreateInstance(ctx, api.CreateInstanceRequest{Name: "openfga", Image: "acme/openfga:latest"})
	if err == nil || len(f.requests()) != 1 || len(s.all()) != 0 {
		t.Fatalf("%v, %d requests", err, len(f.requests()))
	}
	// The next create goes through and decodes the documented answer.
	in, err := c.CreateInstance(ctx, api.CreateInstanceRequest{Name: "openfga", Image: "acme/openfga:latest", Autostart: true})
	if err != nil || in.State != api.StateStarting || in.PublicFQDNs()[0] != "floral-sun-54ixkmi6.fra.unikraft.app" {
		t.Fatalf("%+v %v", in, err)
	}
	var body map[string]any
	json.Unmarshal([]byte(f.requests()[1].Body), &body)
	if f.requests()[1].Method != "POST" || body["name"] != "openfga" || body["autostart"] != true {
		t.Fatalf("%+v", f.requests()[1])
	}
}

func TestConnectionErrorsRetriedForGetOnly(t *testing.T) {
	f := newFakeAPI(t)
	url := f.srv.URL
	f.srv.Close() // nothing listens any more
	c, err := New(url, testToken, WithSleep((&sleeps{}).sleep), WithRetry(RetryPolicy{Attempts: 3, Base: time.Millisecond, Max: time.Millisecond, Total: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListInstances(ctx)
	var te *TransportError
	if !errors.As(err, &te) || te.Path != "/v1/instances" {
		t.Fatalf("%#v", err)
	}
}

func TestTokenNeverInErrorsOrLogs(t *testing.T) {
	// A hostile server echoes the Authorization header everywhere.
	f := newFakeAPI(t)
	f.handler = func(w http.ResponseWriter, r *http.Request, _ string) bool {
		auth := r.Header.Get("Authorization")
		switch r.URL.Path {
		case "/v1/users/quotas": // plain error page
			w.WriteHeader(500)
			w.Write([]byte("bad " + auth + " " + testSecret))
		case "/v1/instances": // per-item message
			w.Write([]byte(`{"status":"error","data":{"instances":[{"status":"error","error":7,"message":"` + auth + `"}]}}`))
		case "/v1/volumes": // retried, then a hijacked connection
			if hj, ok := w.(http.Hijacker); ok {
				conn, _, _ := hj.Hijack()
				conn.Close()
			}
		default:
			w.WriteHeader(503)
			w.Write([]byte(auth))
		}
		return true
	}
	c, _, logs := testClient(t, f)
	var errs []error
	_, err := c.Quotas(ctx)
	errs = append(errs, err)
	_, err = c.ListInstances(ctx)
	errs = append(errs, err)
	_, err = c.GetVolume(ctx, api.ByName("v"))
	errs = append(errs, err)
	_, err = c.GetServiceGroup(ctx, api.ByName("s"))
	errs = append(errs, err)
	for _, err := range errs {
		if err == nil {
			t.Fatal("expected an error")
		}
		for _, s := range []string{err.Error(), sprintf("%+v", err), sprintf("%#v", err)} {
			assertNoSecret(t, s)
		}
	}
	for _, l := range *logs {
		assertNoSecret(t, l)
	}
	assertNoSecret(t, sprintf("%+v %#v", c, *c))
}

func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	if strings.Contains(s, testSecret) || strings.Contains(s, testToken) {
		t.Fatalf("secret leaked: %s", s)
	}
}

func TestWaitTimeoutIsTyped(t *testing.T) {
	f := newFakeAPI(t, reply{body: `{"status":"error","data":{"instances":[{"status":"error","name":"openfga","error":12,"message":"Operation timed out"}]}}`})
	c, _, _ := testClient(t, f)
	_, err := c.WaitInstance(ctx, api.ByName("openfga"), api.StateRunning, 2*time.Second)
	if !errors.Is(err, ErrTimedOut) {
		t.Fatalf("%v", err)
	}
	r := f.requests()[0]
	if r.Method != "GET" || r.Path != "/v1/instances/wait" || r.Query != "" ||
		r.Body != `[{"name":"openfga","state":"running","timeout_ms":2000}]` {
		t.Fatalf("%+v", r)
	}
}

func TestStopDeleteVolumesServices(t *testing.T) {
	f := newFakeAPI(t,
		reply{body: `{"status":"success","data":{"instances":[{"status":"success","name":"openfga","state":"stopping","previous_state":"running"}]}}`},
		reply{body: `{"status":"success","data":{"instances":[{"status":"success","uuid":"bd281cc4-7640-4cbc-af48-5a44c2bd7b74","previous_state":"stopped"}]}}`},
		reply{body: `{"status":"success","data":{"volumes":[{"status":"success","name":"pgdata","uuid":"v-1","state":"initializing"}]}}`},
		reply{body: `{"status":"success","data":{"volumes":[{"status":"success","name":"pgdata"}]}}`},
		reply{body: `{"status":"error","data":{"volumes":[{"status":"error","name":"pgdata","error":15,"message":"Volume is attached"}]}}`},
		reply{body: `{"status":"success","data":{"service_groups":[{"status":"success","name":"fga","uuid":"s-1","domains":[{"fqdn":"fga.fra.unikraft.app"}]}]}}`},
		reply{body: `{"status":"error","data":{"service_groups":[{"status":"error","name":"fga","error":23,"message":"already exists"}]}}`},
	)
	c, _, _ := testClient(t, f)
	if in, err := c.StopInstance(ctx, api.ByName("openfga"), false, 5*time.Second); err != nil || in.PreviousState != api.StateRunning {
		t.Fatal(in, err)
	}
	if _, err := c.DeleteInstance(ctx, RefFor("bd281cc4-7640-4cbc-af48-5a44c2bd7b74")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateVolume(ctx, api.CreateVolumeRequest{Name: "pgdata", SizeMB: 512}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachVolume(ctx, api.ByName("pgdata"), api.ByName("postgres"), "/volume", false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteVolume(ctx, api.ByName("pgdata")); !HasCode(err, api.ErrAttached) {
		t.Fatal(err)
	}
	spec := api.ServiceGroupSpec{Name: "fga", Services: []api.Service{{Port: 443, DestinationPort: 8080, Handlers: []api.Handler{api.HandlerHTTP, api.HandlerTLS}}}}
	if sg, err := c.CreateServiceGroup(ctx, spec); err != nil || sg.Domains[0].FQDN != "fga.fra.unikraft.app" {
		t.Fatal(sg, err)
	}
	if _, err := c.CreateServiceGroup(ctx, spec); !errors.Is(err, ErrAlreadyExists) {
		t.Fatal(err)
	}
	want := []seen{
		{Method: "PUT", Path: "/v1/instances/stop", Body: `[{"name":"openfga","drain_timeout_ms":5000}]`},
		{Method: "DELETE", Path: "/v1/instances/bd281cc4-7640-4cbc-af48-5a44c2bd7b74"},
		{Method: "POST", Path: "/v1/volumes", Body: `{"name":"pgdata","size_mb":512}`},
		{Method: "PUT", Path: "/v1/volumes/attach", Body: `[{"name":"pgdata","attach_to":{"name":"postgres"},"at":"/volume"}]`},
		{Method: "DELETE", Path: "/v1/volumes", Body: `[{"name":"pgdata"}]`},
		{Method: "POST", Path: "/v1/services", Body: `{"name":"fga","services":[{"port":443,"destination_port":8080,"handlers":["http","tls"]}]}`},
	}
	for i, w := range want {
		r := f.requests()[i]
		if r.Method != w.Method || r.Path != w.Path || r.Body != w.Body {
			t.Errorf("request %d: %s %s %s; want %s %s %s", i, r.Method, r.Path, r.Body, w.Method, w.Path, w.Body)
		}
	}
}

func TestFindImage(t *testing.T) {
	f := newFakeAPI(t,
		reply{body: `{"status":"success","data":{"images":[{"digest":"acme/openfga@sha256:abc","tags":["acme/openfga:latest"],"initrd":true,"size_in_bytes":42,"args":"/usr/bin/openfga run"}]}}`},
		reply{body: `{"status":"success","data":{"images":[]}}`})
	c, _, _ := testClient(t, f)
	img, err := c.FindImage(ctx, api.ImageFilter{Tag: "acme/openfga:latest"})
	if err != nil || img.Digest != "acme/openfga@sha256:abc" || img.Args != "/usr/bin/openfga run" {
		t.Fatal(img, err)
	}
	if r := f.requests()[0]; r.Path != "/v1/images/list" || r.Body != `{"tag":"acme/openfga:latest"}` {
		t.Fatalf("%+v", r)
	}
	if _, err := c.FindImage(ctx, api.ImageFilter{Digest: "acme/openfga@sha256:def"}); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
}
