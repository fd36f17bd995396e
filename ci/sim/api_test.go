package sim_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// TestAuth: the API wants the bearer token, the registry the token's
// decoded user and secret as basic auth (anonymous pulls are denied).
func TestAuth(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	resp, err := http.Get(s.Endpoints().API + "/v1/instances")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API without token: %d", resp.StatusCode)
	}
	reg := "http://" + s.Endpoints().Registry + "/v2/official/base-compat/manifests/latest"
	resp, err = http.Get(reg)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("anonymous pull: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	raw, _ := base64.StdEncoding.DecodeString(s.Endpoints().Token)
	user, secret, _ := strings.Cut(string(raw), ":")
	req, _ := http.NewRequest(http.MethodGet, reg, nil)
	req.SetBasicAuth(user, secret)
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("pull with the token's login: %d", resp.StatusCode)
	}
}

// TestAPIErrors: per-item errors come as documented (status, message,
// numeric code) in an HTTP 200 envelope whose top-level status is error.
func TestAPIErrors(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	var resp api.Response[api.Instance]
	code := call(t, s, http.MethodGet, "/v1/instances", []api.Ref{{Name: "funky-town-g756b5d"}}, &resp)
	items := resp.Items(api.KindInstances)
	if code != http.StatusOK || resp.Status != api.StatusError || len(items) != 1 ||
		items[0].Status != api.StatusError || items[0].Error != api.ErrNotFound ||
		items[0].Message != "No instance with name 'funky-town-g756b5d'" {
		t.Errorf("not found: %d %+v", code, resp)
	}
	if got := instanceCall(t, s, http.MethodPost, "/v1/instances", api.CreateInstanceRequest{Name: "x", Image: "sim/nothing:latest"}); got.Error != api.ErrNotFound {
		t.Errorf("unknown image: %+v", got.ItemStatus)
	}
	img := appImage(t, s, "web", "/app")
	inst := create(t, s, api.CreateInstanceRequest{Name: "idle", Image: img})
	if inst.State != api.StateStopped || inst.StopReason != 0 || !strings.HasPrefix(inst.Image, "oci://unikraft.io/sim/web@sha256:") {
		t.Errorf("create without autostart: %+v", inst)
	}
	if got := instanceCall(t, s, http.MethodPost, "/v1/instances", api.CreateInstanceRequest{Name: "idle", Image: img}); got.Error != api.ErrAlreadyExists {
		t.Errorf("duplicate name: %+v", got.ItemStatus)
	}
	if got := instanceCall(t, s, http.MethodGet, "/v1/instances/"+inst.UUID, nil); got.Failed() || got.Name != "idle" {
		t.Errorf("get by uuid: %+v", got)
	}
	got := instanceCall(t, s, http.MethodGet, "/v1/instances/wait", []api.WaitRequest{{Ref: api.Ref{Name: "idle"}, State: api.StateRunning, TimeoutMs: 100}})
	if got.Error != api.ErrTimedOut || got.State != api.StateStopped {
		t.Errorf("wait timeout: %+v", got)
	}
	if got := instanceCall(t, s, http.MethodPost, "/v1/instances", api.CreateInstanceRequest{Image: img, MemoryMB: 8}); got.Error != api.ErrGuestMemoryTooSmall {
		t.Errorf("memory_mb 8: %+v", got.ItemStatus)
	}
}

// TestLogsPaging: offsets, negative offsets from the end, and the
// documented out-of-range quirk (available 0..0).
func TestLogsPaging(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	img := appImage(t, s, "app", "/app")
	create(t, s, api.CreateInstanceRequest{Name: "talker", Image: img, Args: []string{"/app", "exit"}, Autostart: true})
	waitSettled(t, s, "talker", 10*time.Second)
	full := logs(t, s, "talker")
	if full != "app: exiting on request\n" {
		t.Fatalf("logs %q", full)
	}
	page := func(offset, limit int64) api.LogOutput {
		var resp api.Response[api.LogOutput]
		call(t, s, http.MethodGet, "/v1/instances/log", []api.LogRequest{{Ref: api.Ref{Name: "talker"}, Offset: offset, Limit: limit}}, &resp)
		return resp.Items(api.KindInstances)[0]
	}
	end := int64(len(full))
	p := page(-8, 4)
	if b, _ := base64.StdEncoding.DecodeString(p.Output); string(b) != "requ" || p.Range != (api.ByteRange{Start: end - 8, End: end - 4}) ||
		p.Available != (api.ByteRange{Start: 0, End: end}) || p.State != api.StateStopped {
		t.Errorf("page(-8,4): %+v %q", p, b)
	}
	if p := page(end+10, 10); p.Available != (api.ByteRange{}) || p.Output != "" {
		t.Errorf("out of range: %+v", p)
	}
}

// TestImagesAndQuotas: the registry's images are listed with their tags
// and default args, filters work, and quotas count what exists.
func TestImagesAndQuotas(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t)
	appImage(t, s, "web", "/app", "serve")
	var resp api.Response[api.Image]
	call(t, s, http.MethodGet, "/v1/images/list", nil, &resp)
	tags := map[string]api.Image{}
	for _, img := range resp.Items(api.KindImages) {
		for _, tag := range img.Tags {
			tags[tag] = img
		}
	}
	if _, ok := tags["official/base-compat:latest"]; !ok {
		t.Errorf("base-compat not listed: %+v", resp)
	}
	web, ok := tags["sim/web:latest"]
	if !ok || web.Args != "/app serve" || !web.Initrd || !strings.HasPrefix(web.Digest, "sim/web@sha256:") {
		t.Errorf("sim/web: %+v", web)
	}
	// v1's look-up takes one TagOrDigest object; an image that is not
	// there is a top-level message, v1's Image having no per-item status.
	call(t, s, http.MethodGet, "/v1/images/list", api.ImageFilter{Digest: web.Digest}, &resp)
	if items := resp.Items(api.KindImages); len(items) != 1 || items[0].Digest != web.Digest || resp.Status != api.StatusSuccess {
		t.Errorf("by digest: %+v", resp)
	}
	call(t, s, http.MethodGet, "/v1/images/list", api.ImageFilter{Tag: "sim/web:latest"}, &resp)
	if items := resp.Items(api.KindImages); len(items) != 1 || items[0].Digest != web.Digest {
		t.Errorf("by tag: %+v", resp)
	}
	resp = api.Response[api.Image]{}
	call(t, s, http.MethodGet, "/v1/images/list", api.ImageFilter{Tag: "sim/nope:latest"}, &resp)
	if items := resp.Items(api.KindImages); len(items) != 0 || resp.Status != api.StatusError || resp.Message != "No images found" {
		t.Errorf("not found: %+v", resp)
	}
	create(t, s, api.CreateInstanceRequest{Name: "a", Image: "sim/web:latest", MemoryMB: 256})
	var q api.Response[api.Quotas]
	call(t, s, http.MethodGet, "/v1/users/quotas", nil, &q)
	if items := q.Items(api.KindQuotas); len(items) != 1 || items[0].Used.Instances != 1 || items[0].Limits.MaxMemoryMB != spec.MaxMemoryMB {
		t.Errorf("quotas: %+v", q)
	}
}
