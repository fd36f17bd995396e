package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// TestLegacyDialect: the legacy dialect serves the 2024 spec's forms and
// only those, in its spellings.
func TestLegacyDialect(t *testing.T) {
	s := legacySim(t)
	img := appImage(t, s, "legacy", "/app")
	tag := strings.Split(img, "@")[0] + ":latest" // "sim/legacy:latest"

	// Creates: image required, memory 16..4096, on-failure with a hyphen.
	if code, env := send(t, s, "POST", "/v1/instances", `{"name":"l-noimage"}`); code != 400 || env.Status != spec.StatusFailure || !strings.Contains(env.Message, "image: is required") {
		t.Errorf("create without image: %d %+v", code, env)
	}
	if code, env := send(t, s, "POST", "/v1/instances", `{"name":"l-big","image":"`+img+`","memory_mb":4097}`); code != 400 || itemCode(env, "instances") != int(spec.ErrQuota) {
		t.Errorf("memory_mb 4097: %d %+v", code, env)
	}
	if code, _ := send(t, s, "POST", "/v1/instances", `{"name":"l-v1","image":"`+img+`","restart_policy":"on_failure"}`); code != 400 {
		t.Errorf("v1's on_failure: %d", code)
	}
	code, env := send(t, s, "POST", "/v1/instances", `{"name":"l-one","image":"`+img+`","restart_policy":"on-failure"}`)
	if code != 200 || len(env.Data["instances"]) != 1 {
		t.Fatalf("create: %d %+v", code, env)
	}
	in := env.Data["instances"][0]
	if in["restart_policy"] != "on-failure" || in["private_ip"] == nil || in["vcpus"] != nil {
		t.Errorf("legacy instance: %+v", in)
	}
	id := in["uuid"].(string)

	// Wait is PUT (an array); GET is the other dialect's.
	if code, env := send(t, s, "GET", "/v1/instances/wait", `[{"name":"l-one","state":"stopped"}]`); code != 405 || env.Status != spec.StatusFailure {
		t.Errorf("GET wait: %d %+v", code, env)
	}
	if code, env := send(t, s, "PUT", "/v1/instances/wait", `[{"name":"l-one","state":"stopped","timeout_ms":100}]`); code != 200 || env.Data["instances"][0]["status"] != spec.StatusSuccess {
		t.Errorf("PUT wait: %d %+v", code, env)
	}
	if code, _ := send(t, s, "GET", "/v1/instances/"+id+"/wait", `{}`); code != 404 {
		t.Errorf("wait by UUID: %d", code)
	}
	// The by-UUID start and stop take their options in the query.
	if code, env := send(t, s, "PUT", "/v1/instances/"+id+"/start?wait_timeout_ms=10000", ""); code != 200 || env.Data["instances"][0]["state"] != spec.StateRunning {
		t.Errorf("start by UUID: %d %+v", code, env)
	}
	if code, env := send(t, s, "PUT", "/v1/instances/"+id+"/stop?force=true", ""); code != 200 || env.Data["instances"][0]["previous_state"] != spec.StateRunning {
		t.Errorf("stop by UUID: %d %+v", code, env)
	}
	if code, _ := send(t, s, "PUT", "/v1/instances/"+id+"/stop", `{"force":true}`); code != 400 {
		t.Errorf("a v1 stop body: %d", code)
	}
	got := waitSettled(t, s, "l-one", 10*time.Second)
	if !got.StopReason.Has(api.StopForced) {
		t.Errorf("stop_reason %s after a forced stop", got.StopReason)
	}

	// Images: an array of {digest} or {tagged}; a missing one is an item.
	code, env = send(t, s, "GET", "/v1/images/list", `[{"tagged":"`+tag+`"},{"tagged":"sim/nothing:latest"}]`)
	imgs := env.Data["images"]
	if code != 200 || env.Status != spec.StatusFailure || len(imgs) != 2 || imgs[0]["digest"] != img || imgs[0]["tags"] != nil ||
		imgs[1]["error"] != float64(spec.ErrNotFound) {
		t.Errorf("image look-up: %d %+v", code, env)
	}
	if code, _ := send(t, s, "GET", "/v1/images/list", `{"tag":"`+tag+`"}`); code != 400 {
		t.Errorf("v1's TagOrDigest: %d", code)
	}

	// Volumes: an array of {name, size_mb}; no /v1/volumes/{uuid}, no attach.
	code, env = send(t, s, "POST", "/v1/volumes", `[{"name":"l-vol","size_mb":8}]`)
	if code != 200 || len(env.Data["volumes"]) != 1 || env.Data["volumes"][0]["state"] != nil {
		t.Fatalf("volume create: %d %+v", code, env)
	}
	vol := env.Data["volumes"][0]["uuid"].(string)
	if code, _ := send(t, s, "POST", "/v1/volumes", `{"name":"l-vol2","size_mb":8}`); code != 400 {
		t.Errorf("v1's volume create: %d", code)
	}
	if code, env := send(t, s, "GET", "/v1/volumes/"+vol, ""); code != 404 || !strings.HasPrefix(env.Message, "No API endpoint") {
		t.Errorf("volume by UUID: %d %+v", code, env)
	}
	if code, _ := send(t, s, "PUT", "/v1/volumes/attach", `[{"name":"l-vol","attach_to":{"name":"l-one"},"at":"/d"}]`); code != 404 {
		t.Errorf("attach: %d", code)
	}
	if code, _ := send(t, s, "GET", "/v1/healthz", ""); code != 404 {
		t.Errorf("healthz: %d", code)
	}
	if code, env := send(t, s, "GET", "/v1/instances", `[{"name":"l-nothing"}]`); code != 200 || env.Status != spec.StatusFailure || itemCode(env, "instances") != int(spec.ErrNotFound) {
		t.Errorf("not found: %d %+v", code, env)
	}
}

// TestBadOptions: unknown dialects and answer shapes are refused.
func TestBadOptions(t *testing.T) {
	for _, o := range []sim.Options{{Dialect: "v2"}, {Answers: sim.Answers{ImageNotFound: "http408"}}, {Answers: sim.Answers{WaitTimeout: "http404"}}} {
		if _, err := sim.New(o); err == nil {
			t.Errorf("%+v: accepted", o)
		}
	}
}
