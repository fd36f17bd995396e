package sim_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// Simulators the tests of raw requests share, each under its own names.
var sharedV1, sharedLegacy simtest.Shared

func v1Sim(t *testing.T) *sim.Sim { return sharedV1.Start(t) }

func legacySim(t *testing.T) *sim.Sim {
	return sharedLegacy.Start(t, simtest.Dialect(spec.Legacy))
}

// rawEnvelope is an answer as JSON, with no client's types.
type rawEnvelope struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	Errors  []struct {
		Status int `json:"status"`
	} `json:"errors"`
	Data map[string][]map[string]any `json:"data"`
}

// send does a raw request and decodes the envelope.
func send(t *testing.T, s *sim.Sim, method, path, body string) (int, rawEnvelope) {
	t.Helper()
	code, b := raw(t, s, method, path, body)
	var env rawEnvelope
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatalf("%s %s: %d %s: %v", method, path, code, b, err)
	}
	if err := spec.CheckAnswer(s.DialectOf(), method, strings.SplitN(path, "?", 2)[0], b); err != nil {
		t.Errorf("%s %s: the answer is not the spec's: %v\n%s", method, path, err, b)
	}
	return code, env
}

// itemCode is the "error" of the only item under kind, or -1.
func itemCode(env rawEnvelope, kind string) int {
	if items := env.Data[kind]; len(items) == 1 {
		if c, ok := items[0]["error"].(float64); ok {
			return int(c)
		}
	}
	return -1
}

const web443 = `{"port":443,"destination_port":8080,"handlers":["tls","http"]}`

// TestRefusals sends raw JSON that breaks each rule of the v1
// description and checks the platform's refusal: the HTTP status, status
// "error", errors[] with that HTTP status, a message naming the field and
// why, and the refused item's code where the form has per-item codes.
func TestRefusals(t *testing.T) {
	s := v1Sim(t)
	cases := []struct {
		name, method, path, body string
		status                   int
		message                  string
		code                     spec.ErrorCode // of the refused item; 0: no item
	}{
		{"unknown endpoint", "GET", "/v1/instances/x/y/z", "", 404, "No API endpoint GET /v1/instances/x/y/z", 0},
		{"legacy wait is not v1", "PUT", "/v1/instances/wait", `[{"name":"a"}]`, 405, "Method PUT not allowed", 0},
		{"misspelt key", "POST", "/v1/instances", `{"image":"a","memroy_mb":64}`, 400, "memroy_mb: unknown field", spec.ErrMalformedRequest},
		{"wrong JSON type", "POST", "/v1/instances", `{"image":"a","autostart":"yes"}`, 400, "autostart: must be a boolean, not a string", spec.ErrMalformedRequest},
		{"enum", "POST", "/v1/instances", `{"image":"a","restart_policy":"on-failure"}`, 400, `restart_policy: invalid value "on-failure"`, spec.ErrInvalid},
		{"uuid and name", "GET", "/v1/instances/wait", `[{"uuid":"123e4567-e89b-12d3-a456-426614174000","name":"a"}]`, 400, "uuid and name are mutually exclusive", spec.ErrNotBoth},
		{"neither uuid nor name", "PUT", "/v1/instances/stop", `[{"force":true}]`, 400, "one of uuid or name is required", spec.ErrMissingID},
		{"wait timeout", "GET", "/v1/instances/wait", `[{"name":"a","timeout_ms":60000}]`, 400, "timeout_ms: Timeout value must be in the range -1 to 10000", spec.ErrInvalid},
		{"memory too small", "POST", "/v1/instances", `{"name":"m","image":"a","memory_mb":8}`, 400, "memory_mb", spec.ErrGuestMemoryTooSmall},
		{"memory above the quota", "POST", "/v1/instances", `{"name":"m","image":"a","memory_mb":65536}`, 400, "memory_mb", spec.ErrQuota},
		{"volume size", "POST", "/v1/volumes", `{"name":"v","size_mb":1048576}`, 400, "size_mb", spec.ErrQuota},
		{"scale_to_zero without a group", "POST", "/v1/instances", `{"image":"a","scale_to_zero":{"policy":"off"}}`, 400, "scale_to_zero: requires service_group to be set", spec.ErrInvalid},
		{"scale_to_zero with delete-on-stop", "POST", "/v1/instances", `{"image":"a","service_group":{"services":[` + web443 + `]},"scale_to_zero":{"policy":"on"},"features":["delete-on-stop"]}`, 400, "cannot be combined with the delete-on-stop feature", spec.ErrInvalid},
		{"restart_policy with delete-on-stop", "POST", "/v1/instances", `{"image":"a","restart_policy":"on_failure","features":["delete-on-stop"]}`, 400, "restart_policy: cannot be combined with the delete-on-stop feature", spec.ErrInvalid},
		{"timeout_s without autostart", "POST", "/v1/instances", `{"image":"a","timeout_s":3}`, 400, "timeout_s: requires autostart to be set", spec.ErrInvalid},
		{"443 without http", "POST", "/v1/services", `{"services":[{"port":443,"destination_port":8080,"handlers":["tls"]}]}`, 400, "services[0].handlers: port 443 must have the http and tls handlers", spec.ErrInvalid},
		{"80 with tls", "POST", "/v1/services", `{"services":[{"port":80,"handlers":["http","tls"]}]}`, 400, "port 80 must have the http handler and must not have tls", spec.ErrInvalid},
		{"redirect not to 443", "POST", "/v1/services", `{"services":[{"port":80,"destination_port":8443,"handlers":["http","redirect"]}]}`, 400, "redirect handler is only allowed on port 80 to destination port 443", spec.ErrInvalid},
		{"5432 with http", "POST", "/v1/services", `{"services":[{"port":5432,"handlers":["tls","http"]}]}`, 400, "port 5432 must have the tls handler and must not have http", spec.ErrInvalid},
		{"create takes one object", "POST", "/v1/instances", `[{"image":"a"}]`, 400, "must be an object, not an array", 0},
		{"services create takes one object", "POST", "/v1/services", `[{"services":[` + web443 + `]}]`, 400, "must be an object, not an array", 0},
		{"volumes create takes one object", "POST", "/v1/volumes", `[{"name":"v","size_mb":4}]`, 400, "must be an object, not an array", 0},
		{"a batch takes an array", "PUT", "/v1/instances/start", `{"name":"a"}`, 400, "must be an array, not an object", 0},
		{"v1 image look-up is one object", "GET", "/v1/images/list", `[{"tag":"sim/app:latest"}]`, 400, "must be an object, not an array", 0},
		{"unknown query parameter", "GET", "/v1/instances/wait?timeout_ms=5", `[{"name":"a"}]`, 400, "timeout_ms: unknown query parameter", 0},
		{"malformed JSON", "POST", "/v1/volumes", `{"name":`, 400, "malformed JSON", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, env := send(t, s, c.method, c.path, c.body)
			if code != c.status || env.Status != spec.StatusError || len(env.Errors) != 1 || env.Errors[0].Status != c.status ||
				!strings.Contains(env.Message, c.message) {
				t.Errorf("got %d %+v, want %d with %q", code, env, c.status, c.message)
			}
			kind := map[string]string{"/v1/services": "service_groups", "/v1/volumes": "volumes"}[strings.SplitN(c.path, "?", 2)[0]]
			if kind == "" {
				kind = "instances"
			}
			if c.code != 0 && itemCode(env, kind) != int(c.code) {
				t.Errorf("item code %d, want %d: %+v", itemCode(env, kind), c.code, env.Data)
			}
		})
	}
	// Nothing refused was carried out.
	if code, env := send(t, s, "GET", "/v1/instances", `[{"name":"m"}]`); code != 200 || itemCode(env, "instances") != int(spec.ErrNotFound) {
		t.Errorf("a refused create made an instance: %d %+v", code, env)
	}
}

// TestV1Answers: what v1's answers say and spell: restart_policy
// on_failure, the private address only under network_interfaces, no
// status in wait items, the 10 s wait cap accepted.
func TestV1Answers(t *testing.T) {
	s := v1Sim(t)
	img := appImage(t, s, "v1answers", "/app")
	code, env := send(t, s, "POST", "/v1/instances", `{"name":"v1-answers","image":"`+img+`","restart_policy":"on_failure","vcpus":2,"tags":["a"]}`)
	items := env.Data["instances"]
	if code != 200 || env.Status != spec.StatusSuccess || len(items) != 1 {
		t.Fatalf("create: %d %+v", code, env)
	}
	in := items[0]
	nics, _ := in["network_interfaces"].([]any)
	if in["restart_policy"] != "on_failure" || in["private_ip"] != nil || in["features"] != nil || len(nics) != 1 ||
		nics[0].(map[string]any)["private_ip"] == "" || in["vcpus"] != 2.0 || in["state"] != spec.StateStopped {
		t.Errorf("instance: %+v", in)
	}
	_, env = send(t, s, "GET", "/v1/instances/wait", `[{"name":"v1-answers","state":"stopped","timeout_ms":10000}]`)
	if w := env.Data["instances"]; len(w) != 1 || w[0]["state"] != "stopped" || w[0]["status"] != nil {
		t.Errorf("wait: %+v", env)
	}
	_, env = send(t, s, "GET", "/v1/instances/"+in["uuid"].(string)+"/wait", `{"state":"running","timeout_ms":50}`)
	if w := env.Data["instances"]; env.Status != spec.StatusError || len(w) != 1 || w[0]["error"] != float64(spec.ErrTimedOut) || w[0]["state"] != "stopped" {
		t.Errorf("wait timeout: %+v", env)
	}
}

// TestListing: v1's listing query parameters: tags, order, from, count,
// details.
func TestListing(t *testing.T) {
	s := simtest.Start(t)
	for _, c := range []struct{ name, tags string }{{"list-a", `["x","y"]`}, {"list-b", `["x"]`}, {"list-c", `[]`}} {
		if code, env := send(t, s, "POST", "/v1/instances", `{"name":"`+c.name+`","image":"official/base-compat:latest","tags":`+c.tags+`}`); code != 200 || env.Status != spec.StatusSuccess {
			t.Fatalf("create %s: %d %+v", c.name, code, env)
		}
	}
	names := func(query string) string {
		t.Helper()
		_, env := send(t, s, "GET", "/v1/instances?"+query, "")
		var out []string
		for _, it := range env.Data["instances"] {
			out = append(out, it["name"].(string))
		}
		return strings.Join(out, ",")
	}
	_, env := send(t, s, "GET", "/v1/instances", `[{"name":"list-a"}]`)
	first := env.Data["instances"][0]["uuid"].(string)
	for query, want := range map[string]string{
		"":                             "list-a,list-b,list-c",
		"tags=x":                       "list-a,list-b",
		"tags=x&tags=y":                "list-a",
		"order=desc&count=2":           "list-c,list-b",
		"from=" + first + "&count=1":   "list-a",
		"sortby=create_time&order=asc": "list-a,list-b,list-c",
	} {
		if got := names(query); got != want {
			t.Errorf("?%s: %s, want %s", query, got, want)
		}
	}
	if _, env := send(t, s, "GET", "/v1/instances?details=false", ""); len(env.Data["instances"]) != 3 || env.Data["instances"][0]["state"] != nil {
		t.Errorf("details=false: %+v", env)
	}
	send(t, s, "POST", "/v1/volumes", `{"name":"vol-tagged","size_mb":4,"tags":["keep"]}`)
	send(t, s, "POST", "/v1/volumes", `{"name":"vol-plain","size_mb":4}`)
	if _, env := send(t, s, "GET", "/v1/volumes?tags=keep", ""); len(env.Data["volumes"]) != 1 || env.Data["volumes"][0]["name"] != "vol-tagged" {
		t.Errorf("volumes by tag: %+v", env)
	}
}
