package kraftcloud

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

const (
	imageFound       = `{"status":"success","data":{"images":[{"digest":"acme/openfga@sha256:abc","tags":["acme/openfga:latest"]}]}}`
	malformed400     = `{"status":"error","message":"Malformed request: json: cannot unmarshal object into Go value of type []Item","errors":[{"status":400}]}`
	noEndpointAnswer = `{"status":"error","message":"No API endpoint GET /v1/images/list","errors":[{"status":404}]}`
)

// The v1 spec's object form first; when the platform does not take it,
// the array form kraftkit sends, and that form is kept for later look-ups.
func TestFindImageFallsBackAndRemembers(t *testing.T) {
	f := newFakeAPI(t, reply{status: 400, body: malformed400}, reply{body: imageFound}, reply{body: imageFound})
	c, _, logs := testClient(t, f)
	for range 2 {
		if img, err := c.FindImage(ctx, api.ImageFilter{Digest: "acme/openfga@sha256:abc"}); err != nil || img.Digest != "acme/openfga@sha256:abc" {
			t.Fatal(img, err)
		}
	}
	want := []string{`{"digest":"acme/openfga@sha256:abc"}`, `[{"digest":"acme/openfga@sha256:abc"}]`, `[{"digest":"acme/openfga@sha256:abc"}]`}
	for i, r := range f.requests() {
		if r.Path != "/v1/images/list" || r.Body != want[i] {
			t.Errorf("request %d: %s %s, want %s", i, r.Path, r.Body, want[i])
		}
	}
	if !strings.Contains(strings.Join(*logs, "\n"), "does not take this form") {
		t.Errorf("the fallback is not logged: %q", *logs)
	}
}

// A platform without /v1/images/list: the newest SDK's GET /v1/images.
func TestFindImageNewestPath(t *testing.T) {
	f := newFakeAPI(t, reply{status: 404, body: noEndpointAnswer}, reply{status: 404, body: noEndpointAnswer}, reply{body: imageFound})
	c, _, _ := testClient(t, f)
	if _, err := c.FindImage(ctx, api.ImageFilter{Digest: "acme/openfga@sha256:abc"}); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[2]
	if r.Path != "/v1/images" || r.Query != "digest=acme%2Fopenfga%40sha256%3Aabc" || r.Body != `[{"digest":"acme/openfga@sha256:abc"}]` {
		t.Fatalf("%+v", r)
	}
}

// "Not there (yet)" in every shape the sources allow is ErrNotFound, and
// does not make the client change forms.
func TestFindImageNotFoundShapes(t *testing.T) {
	for name, rep := range map[string]reply{
		"per-item code":           {body: `{"status":"error","data":{"images":[{"status":"error","error":8,"message":"No image"}]}}`},
		"top-level message":       {body: `{"status":"error","message":"No images found","data":{"images":[]}}`},
		"success, empty list":     {body: `{"status":"success","data":{"images":[]}}`},
		"success with a message":  {body: `{"status":"success","message":"No images found"}`},
		"404 envelope about it":   {status: 404, body: `{"status":"error","message":"No image with digest 'acme/openfga@sha256:abc'","errors":[{"status":404}]}`},
		"legacy failure, no item": {body: `{"status":"failure","message":"No images found"}`},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeAPI(t, rep)
			c, _, _ := testClient(t, f)
			_, err := c.FindImage(ctx, api.ImageFilter{Digest: "acme/openfga@sha256:abc"})
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("%v, want ErrNotFound", err)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests: a not-found answer must not change the form", n)
			}
		})
	}
	f := newFakeAPI(t, reply{status: 401, body: docUnauthorized})
	c, _, _ := testClient(t, f)
	if _, err := c.FindImage(ctx, api.ImageFilter{Digest: "acme/openfga@sha256:abc"}); errors.Is(err, ErrNotFound) || err == nil {
		t.Fatalf("401 read as not found: %v", err)
	}
}

// A wait that ends before the state, in every shape, is ErrTimedOut.
func TestWaitTimeoutShapes(t *testing.T) {
	for name, rep := range map[string]reply{
		"per-item code":     {body: `{"status":"error","data":{"instances":[{"status":"error","name":"openfga","error":12,"message":"Operation timed out"}]}}`},
		"top-level message": {body: `{"status":"error","message":"Timed out waiting for the instance"}`},
		"408":               {status: 408, body: `{"status":"error","message":"request timeout","errors":[{"status":408}]}`},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeAPI(t, rep)
			c, _, _ := testClient(t, f)
			if _, err := c.WaitInstance(ctx, api.ByName("openfga"), api.StateRunning, time.Second); !errors.Is(err, ErrTimedOut) {
				t.Fatalf("%v, want ErrTimedOut", err)
			}
		})
	}
}

// The 2024 spec's wait is PUT; the bound of one call is MaxWait.
func TestWaitFallsBackToPut(t *testing.T) {
	f := newFakeAPI(t, reply{status: http.StatusMethodNotAllowed, body: `{"status":"failure","message":"Method not allowed"}`},
		reply{body: `{"status":"success","data":{"instances":[{"status":"success","name":"openfga","state":"running"}]}}`})
	c, _, _ := testClient(t, f)
	if _, err := c.WaitInstance(ctx, api.ByName("openfga"), api.StateRunning, time.Minute); err != nil {
		t.Fatal(err)
	}
	r := f.requests()
	if len(r) != 2 || r[0].Method != "GET" || r[1].Method != "PUT" || r[1].Body != `[{"name":"openfga","state":"running","timeout_ms":10000}]` {
		t.Fatalf("%+v", r)
	}
}

// A refused "on_failure" is sent again as "on-failure", once: the second
// create speaks the spelling that worked.
func TestCreateRestartPolicySpelling(t *testing.T) {
	created := `{"status":"success","data":{"instances":[{"status":"success","uuid":"bd281cc4-7640-4cbc-af48-5a44c2bd7b74","name":"pg","state":"starting","restart_policy":"on-failure"}]}}`
	f := newFakeAPI(t, reply{status: 400, body: `{"status":"error","message":"Invalid value 'on_failure' for restart_policy","errors":[{"status":400}]}`},
		reply{body: created}, reply{body: created})
	c, _, _ := testClient(t, f)
	for range 2 {
		inst, err := c.CreateInstance(ctx, api.CreateInstanceRequest{Name: "pg", Image: "acme/pg:15", RestartPolicy: api.RestartOnFailure})
		if err != nil || inst.RestartPolicy != api.RestartOnFailure {
			t.Fatal(inst, err)
		}
	}
	r := f.requests()
	if len(r) != 3 || !strings.Contains(r[0].Body, `"restart_policy":"on_failure"`) || !strings.Contains(r[1].Body, `"restart_policy":"on-failure"`) || !strings.Contains(r[2].Body, `"restart_policy":"on-failure"`) {
		t.Fatalf("%+v", r)
	}
}

// A create refused for its content is not sent again in another form.
func TestRefusedCreateIsNotRepeated(t *testing.T) {
	f := newFakeAPI(t, reply{body: `{"status":"error","data":{"instances":[{"status":"error","name":"x","error":23,"message":"Instance with name 'x' already exists"}]}}`})
	c, _, _ := testClient(t, f)
	if _, err := c.CreateInstance(ctx, api.CreateInstanceRequest{Name: "x", Image: "acme/x:1", RestartPolicy: api.RestartOnFailure}); !errors.Is(err, ErrAlreadyExists) {
		t.Fatal(err)
	}
	if n := len(f.requests()); n != 1 {
		t.Fatalf("%d requests", n)
	}
}

// The 2024 spec creates volumes from an array.
func TestCreateVolumeFallsBackToArray(t *testing.T) {
	f := newFakeAPI(t, reply{status: 400, body: malformed400},
		reply{body: `{"status":"success","data":{"volumes":[{"status":"success","name":"pgdata","uuid":"7e6b4c8a-0000-4000-8000-000000000001"}]}}`})
	c, _, _ := testClient(t, f)
	if v, err := c.CreateVolume(ctx, api.CreateVolumeRequest{Name: "pgdata", SizeMB: 512}); err != nil || v.Name != "pgdata" {
		t.Fatal(v, err)
	}
	if r := f.requests(); r[0].Body != `{"name":"pgdata","size_mb":512}` || r[1].Body != `[{"name":"pgdata","size_mb":512}]` {
		t.Fatalf("%+v", r)
	}
}

// The 2024 spec's top-level "failure" is a failure.
func TestLegacyFailureStatus(t *testing.T) {
	f := newFakeAPI(t, reply{body: `{"status":"failure","message":"Unauthorized","errors":[{"status":401}]}`})
	c, _, _ := testClient(t, f)
	if _, err := c.Quotas(ctx); err == nil || !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("%v", err)
	}
}
