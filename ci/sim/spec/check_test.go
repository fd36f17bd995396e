package spec_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

const id = "123e4567-e89b-12d3-a456-426614174000"

// TestCheck runs golden requests through the checker: each rule of the
// description refuses what it should, with the status, message and item
// code the platform's refusal carries, and lets the valid form through.
func TestCheck(t *testing.T) {
	v1, legacy := spec.V1, spec.Legacy
	cases := []struct {
		name    string
		d       spec.Dialect
		method  string
		path    string
		query   string
		body    string
		status  int            // 0: accepted
		message string         // a part of the refusal's message
		code    spec.ErrorCode // the refused item's code, if it has one
	}{
		// Endpoints and methods.
		{name: "unknown endpoint", d: v1, method: "GET", path: "/v1/nothing", status: 404, message: "No API endpoint GET /v1/nothing"},
		{name: "v1 wait is GET", d: v1, method: "PUT", path: "/v1/instances/wait", body: `[{"name":"a"}]`, status: 405},
		{name: "legacy wait is PUT", d: legacy, method: "GET", path: "/v1/instances/wait", body: `[{"name":"a"}]`, status: 405},
		{name: "legacy wait", d: legacy, method: "PUT", path: "/v1/instances/wait", body: `[{"name":"a","state":"running","timeout_ms":100}]`},
		{name: "v1 wait", d: v1, method: "GET", path: "/v1/instances/wait", body: `[{"name":"a","state":"running","timeout_ms":100}]`},
		{name: "v1 wait by uuid", d: v1, method: "GET", path: "/v1/instances/" + id + "/wait", body: `{"state":"stopped","timeout_ms":-1}`},
		{name: "legacy has no wait by uuid", d: legacy, method: "GET", path: "/v1/instances/" + id + "/wait", body: `{}`, status: 404},
		{name: "legacy has no volume by uuid", d: legacy, method: "GET", path: "/v1/volumes/" + id, status: 404},
		{name: "legacy has no attach", d: legacy, method: "PUT", path: "/v1/volumes/attach", body: `[]`, status: 404},
		{name: "a path uuid is a UUID", d: v1, method: "GET", path: "/v1/instances/not-a-uuid", status: 400, message: "not a UUID"},
		{name: "literal beats uuid", d: v1, method: "DELETE", path: "/v1/instances/wait", status: 405},

		// Keys, types, enums, required.
		{name: "unknown key", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","memroy_mb":128}`, status: 400, message: "memroy_mb: unknown field", code: spec.ErrMalformedRequest},
		{name: "wrong type", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","memory_mb":"128"}`, status: 400, message: "memory_mb: must be an integer, not a string", code: spec.ErrMalformedRequest},
		{name: "not an integer", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","memory_mb":12.5}`, status: 400, message: "must be an integer"},
		{name: "null", d: v1, method: "POST", path: "/v1/instances", body: `{"image":null}`, status: 400, message: "image: must be a string, not null"},
		{name: "malformed JSON", d: v1, method: "POST", path: "/v1/instances", body: `{"image":`, status: 400, message: "malformed JSON"},
		{name: "body required", d: v1, method: "PUT", path: "/v1/instances/stop", status: 400, message: "a request body is required"},
		{name: "listing without body", d: v1, method: "GET", path: "/v1/instances"},
		{name: "no body taken", d: v1, method: "GET", path: "/v1/users/quotas", body: `{}`, status: 400, message: "takes no request body"},
		{name: "v1 restart_policy on_failure", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","restart_policy":"on_failure"}`},
		{name: "v1 refuses on-failure", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","restart_policy":"on-failure"}`, status: 400, message: `restart_policy: invalid value "on-failure"`, code: spec.ErrInvalid},
		{name: "legacy on-failure", d: legacy, method: "POST", path: "/v1/instances", body: `{"image":"a","restart_policy":"on-failure"}`},
		{name: "legacy refuses on_failure", d: legacy, method: "POST", path: "/v1/instances", body: `{"image":"a","restart_policy":"on_failure"}`, status: 400, code: spec.ErrInvalid},
		{name: "legacy requires image", d: legacy, method: "POST", path: "/v1/instances", body: `{"name":"a"}`, status: 400, message: "image: is required"},
		{name: "v1 image optional", d: v1, method: "POST", path: "/v1/instances", body: `{"name":"a"}`},
		{name: "state enum", d: v1, method: "GET", path: "/v1/instances/wait", body: `[{"name":"a","state":"up"}]`, status: 400, message: `[0].state: invalid value "up"`},
		{name: "legacy has no template state", d: legacy, method: "PUT", path: "/v1/instances/wait", body: `[{"name":"a","state":"template"}]`, status: 400},
		{name: "unknown query", d: v1, method: "GET", path: "/v1/instances/wait", query: "state=running", body: `[{"name":"a"}]`, status: 400, message: "state: unknown query parameter"},
		{name: "query type", d: v1, method: "GET", path: "/v1/instances", query: "details=maybe", status: 400, message: "details: must be a boolean"},
		{name: "query ok", d: v1, method: "GET", path: "/v1/instances", query: "details=false&tags=a&tags=b"},

		// uuid vs name: exactly one.
		{name: "both uuid and name", d: v1, method: "PUT", path: "/v1/instances/start", body: `[{"uuid":"` + id + `","name":"a"}]`, status: 400, message: "uuid and name are mutually exclusive", code: spec.ErrNotBoth},
		{name: "neither uuid nor name", d: v1, method: "PUT", path: "/v1/instances/start", body: `[{"timeout_s":1}]`, status: 400, message: "one of uuid or name is required", code: spec.ErrMissingID},
		{name: "uuid shape", d: v1, method: "DELETE", path: "/v1/instances", body: `[{"uuid":"x"}]`, status: 400, message: `"x" is not a UUID`},

		// Ranges.
		{name: "wait timeout above", d: v1, method: "GET", path: "/v1/instances/wait", body: `[{"name":"a","timeout_ms":10001}]`, status: 400, message: "[0].timeout_ms: Timeout value must be in the range -1 to 10000", code: spec.ErrInvalid},
		{name: "wait timeout below", d: v1, method: "GET", path: "/v1/instances/" + id + "/wait", body: `{"timeout_ms":-2}`, status: 400, message: "Timeout value must be in the range -1 to 10000"},
		{name: "wait timeout legacy", d: legacy, method: "PUT", path: "/v1/instances/wait", body: `[{"name":"a","timeout_ms":20000}]`, status: 400, message: "Timeout value must be in the range -1 to 10000"},
		{name: "memory below", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","memory_mb":8}`, status: 400, code: spec.ErrGuestMemoryTooSmall},
		{name: "memory above", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","memory_mb":8192}`, status: 400, code: spec.ErrQuota},
		{name: "volume size", d: v1, method: "POST", path: "/v1/volumes", body: `{"name":"v","size_mb":0}`, status: 400, message: "size_mb"},
		{name: "legacy volume size", d: legacy, method: "POST", path: "/v1/volumes", body: `[{"name":"v","size_mb":2000000}]`, status: 400, code: spec.ErrQuota},
		{name: "drain -1", d: v1, method: "PUT", path: "/v1/instances/stop", body: `[{"name":"a","drain_timeout_ms":-1}]`},
		{name: "legacy drain range", d: legacy, method: "PUT", path: "/v1/instances/stop", body: `[{"name":"a","drain_timeout_ms":-1}]`, status: 400},
		{name: "volume tags", d: v1, method: "POST", path: "/v1/volumes", body: `{"size_mb":1,"tags":["` + strings.Repeat("t", 257) + `"]}`, status: 400, code: spec.ErrTooLong},

		// Cross-field rules.
		{name: "scale_to_zero needs a service group", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","scale_to_zero":{"policy":"on"}}`, status: 400, message: "scale_to_zero: requires service_group to be set"},
		{name: "scale_to_zero off needs a service group too", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","scale_to_zero":{"policy":"off"}}`, status: 400, message: "requires service_group"},
		{name: "scale_to_zero with a group", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","scale_to_zero":{"policy":"on"},"service_group":{"services":[{"port":443,"destination_port":8080,"handlers":["tls","http"]}]}}`},
		{name: "scale_to_zero and delete-on-stop", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","scale_to_zero":{"policy":"on"},"service_group":{"name":"g"},"features":["delete-on-stop"]}`, status: 400, message: "cannot be combined with the delete-on-stop feature"},
		{name: "restart_policy and delete-on-stop", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","restart_policy":"always","features":["delete-on-stop"]}`, status: 400, message: "restart_policy: cannot be combined"},
		{name: "never and delete-on-stop", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","restart_policy":"never","features":["delete-on-stop"]}`},
		{name: "timeout_s needs autostart", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","timeout_s":5}`, status: 400, message: "timeout_s: requires autostart to be set"},
		{name: "wait_timeout_ms needs autostart", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","wait_timeout_ms":500,"autostart":false}`, status: 400, message: "wait_timeout_ms: requires autostart"},
		{name: "timeout_s with autostart", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","timeout_s":5,"autostart":true}`},
		{name: "group reference or description", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","service_group":{"name":"g","services":[{"port":443,"handlers":["tls","http"]}]}}`, status: 400, message: "not both"},
		{name: "soft above hard", d: v1, method: "POST", path: "/v1/services", body: `{"soft_limit":5,"hard_limit":2}`, status: 400, message: "soft_limit: must not be greater than hard_limit"},
		{name: "inline volume needs a name", d: v1, method: "POST", path: "/v1/instances", body: `{"image":"a","volumes":[{"size_mb":4,"at":"/d"}]}`, status: 400, message: "volumes[0]: one of uuid or name is required"},
		{name: "mount point", d: v1, method: "PUT", path: "/v1/volumes/attach", body: `[{"name":"v","attach_to":{"name":"i"},"at":"/a/../b"}]`, status: 400, message: "[0].at"},
		{name: "force with drain", d: v1, method: "PUT", path: "/v1/instances/stop", body: `[{"name":"a","force":true,"drain_timeout_ms":100}]`, status: 400, code: spec.ErrNotBoth},
		{name: "by-uuid force ignores drain", d: v1, method: "PUT", path: "/v1/instances/" + id + "/stop", body: `{"force":true,"drain_timeout_ms":100}`},
		{name: "min above max", d: v1, method: "POST", path: "/v1/services/" + id + "/autoscale", body: `{"min_size":3,"max_size":2}`, status: 400, code: spec.ErrAutoscaleSizeOOR},
		{name: "policy needs a type", d: v1, method: "POST", path: "/v1/services/" + id + "/autoscale/policies", body: `{"name":"p"}`, status: 400, message: "type: is required"},
		{name: "policy", d: v1, method: "POST", path: "/v1/services/" + id + "/autoscale/policies", body: `{"name":"p","type":{"metric":"cpu","adjustment_type":"percentage","steps":[{"lower_bound":0,"upper_bound":50,"adjustment":1}]}}`},
		{name: "legacy percent is not v1", d: v1, method: "POST", path: "/v1/services/" + id + "/autoscale/policies", body: `{"name":"p","type":{"adjustment_type":"percent"}}`, status: 400},

		// Service handlers per port.
		{name: "443 needs http and tls", d: v1, method: "POST", path: "/v1/services", body: `{"services":[{"port":443,"destination_port":8080,"handlers":["tls"]}]}`, status: 400, message: "services[0].handlers: port 443 must have the http and tls handlers"},
		{name: "80 needs http, not tls", d: v1, method: "POST", path: "/v1/services", body: `{"services":[{"port":80,"destination_port":8080,"handlers":["http","tls"]}]}`, status: 400, message: "port 80"},
		{name: "redirect only 80 to 443", d: v1, method: "POST", path: "/v1/services", body: `{"services":[{"port":80,"destination_port":8080,"handlers":["http","redirect"]}]}`, status: 400, message: "redirect"},
		{name: "80 to 443 redirect", d: v1, method: "POST", path: "/v1/services", body: `{"services":[{"port":80,"destination_port":443,"handlers":["http","redirect"]}]}`},
		{name: "other ports are tls only", d: v1, method: "POST", path: "/v1/services", body: `{"services":[{"port":5432,"handlers":["tls","http"]}]}`, status: 400, message: "port 5432 must have the tls handler and must not have http"},
		{name: "port twice", d: v1, method: "POST", path: "/v1/services", body: `{"services":[{"port":5432,"handlers":["tls"]},{"port":5432,"handlers":["tls"]}]}`, status: 400, message: "published twice"},

		// One object or an array.
		{name: "create takes one object", d: v1, method: "POST", path: "/v1/instances", body: `[{"image":"a"}]`, status: 400, message: "must be an object, not an array"},
		{name: "service create takes one object", d: v1, method: "POST", path: "/v1/services", body: `[{}]`, status: 400, message: "must be an object"},
		{name: "v1 volume create takes one object", d: v1, method: "POST", path: "/v1/volumes", body: `[{"name":"v","size_mb":1}]`, status: 400, message: "must be an object"},
		{name: "legacy volume create takes an array", d: legacy, method: "POST", path: "/v1/volumes", body: `{"name":"v","size_mb":1}`, status: 400, message: "must be an array"},
		{name: "a batch takes an array", d: v1, method: "PUT", path: "/v1/instances/stop", body: `{"name":"a"}`, status: 400, message: "must be an array, not an object"},

		// Image look-up.
		{name: "v1 image look-up is one object", d: v1, method: "GET", path: "/v1/images/list", body: `{"tag":"sim/app:latest"}`},
		{name: "v1 image look-up refuses an array", d: v1, method: "GET", path: "/v1/images/list", body: `[{"tag":"sim/app:latest"}]`, status: 400, message: "must be an object, not an array"},
		{name: "v1 image look-up tag or digest", d: v1, method: "GET", path: "/v1/images/list", body: `{"tag":"a","digest":"b"}`, status: 400, message: "mutually exclusive"},
		{name: "v1 has no tagged", d: v1, method: "GET", path: "/v1/images/list", body: `{"tagged":"a"}`, status: 400, message: "tagged: unknown field"},
		{name: "legacy image look-up", d: legacy, method: "GET", path: "/v1/images/list", body: `[{"tagged":"sim/app:latest"},{"digest":"sim/app@sha256:00"}]`},
		{name: "legacy has no tag", d: legacy, method: "GET", path: "/v1/images/list", body: `[{"tag":"sim/app:latest"}]`, status: 400, message: "tag: unknown field"},
		{name: "newer SDK images", d: v1, method: "GET", path: "/v1/images", query: "tag=sim/app:latest", body: `[{"tag":"sim/app:latest"}]`},
		{name: "legacy has no GET /v1/images", d: legacy, method: "GET", path: "/v1/images", status: 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, _ := url.ParseQuery(c.query)
			err := spec.Check(c.d, c.method, c.path, q, []byte(c.body))
			if c.status == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var r *spec.Refusal
			if !errors.As(err, &r) {
				t.Fatalf("accepted (%v), want %d", err, c.status)
			}
			if r.Status != c.status || !strings.Contains(r.Message, c.message) {
				t.Errorf("got %d %q, want %d with %q", r.Status, r.Message, c.status, c.message)
			}
			if c.code != 0 && (len(r.Items) != 1 || r.Items[0].Code != c.code || r.Code != c.code) {
				t.Errorf("items %+v (code %d), want one with code %d", r.Items, r.Code, c.code)
			}
		})
	}
}

// TestRefusedItem: a refused item of a batch is named by its index and
// echoes its uuid or name, with the field and why in its message.
func TestRefusedItem(t *testing.T) {
	err := spec.Check(spec.V1, "GET", "/v1/instances/wait", nil,
		[]byte(`[{"name":"ok","timeout_ms":10},{"name":"bad","timeout_ms":20000}]`))
	var r *spec.Refusal
	if !errors.As(err, &r) || len(r.Items) != 1 {
		t.Fatalf("%v", err)
	}
	it := r.Items[0]
	if r.Kind != "instances" || it.Index != 1 || it.Name != "bad" || it.Code != spec.ErrInvalid ||
		it.Message != "timeout_ms: Timeout value must be in the range -1 to 10000" {
		t.Errorf("%+v %+v", r, it)
	}
}

// TestCheckAnswer: answers are held to the dialect's answer shapes, so a
// field the spec lacks is caught.
func TestCheckAnswer(t *testing.T) {
	ok := `{"status":"success","data":{"instances":[{"status":"success","uuid":"` + id + `","name":"a","state":"running",` +
		`"restart_policy":"on_failure","network_interfaces":[{"uuid":"` + id + `","private_ip":"10.0.0.2","mac":"12:b0:a0:00:00:3d"}]}]},"op_time_us":5}`
	if err := spec.CheckAnswer(spec.V1, "GET", "/v1/instances/"+id, []byte(ok)); err != nil {
		t.Errorf("valid answer: %v", err)
	}
	for name, c := range map[string]struct {
		d    spec.Dialect
		path string
		body string
	}{
		"v1 has no top-level private_ip": {spec.V1, "/v1/instances/" + id, `{"status":"success","data":{"instances":[{"private_ip":"10.0.0.2"}]}}`},
		"v1 spells on_failure":           {spec.V1, "/v1/instances/" + id, `{"status":"success","data":{"instances":[{"restart_policy":"on-failure"}]}}`},
		"v1 has no failure status":       {spec.V1, "/v1/instances/" + id, `{"status":"failure"}`},
		"legacy has no error status":     {spec.Legacy, "/v1/instances/" + id, `{"status":"error"}`},
		"errors carry only status":       {spec.V1, "/v1/instances/" + id, `{"status":"error","errors":[{"status":400,"message":"x"}]}`},
		"v1 wait items have no status":   {spec.V1, "/v1/instances/" + id + "/wait", `{"status":"success","data":{"instances":[{"status":"success"}]}}`},
		"v1 images have no status":       {spec.V1, "/v1/images/list", `{"status":"success","data":{"images":[{"status":"error"}]}}`},
	} {
		if err := spec.CheckAnswer(c.d, "GET", c.path, []byte(c.body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	legacyOK := `{"status":"success","data":{"instances":[{"status":"success","name":"a","private_ip":"10.0.0.2","restart_policy":"on-failure"}]}}`
	if err := spec.CheckAnswer(spec.Legacy, "GET", "/v1/instances/"+id, []byte(legacyOK)); err != nil {
		t.Errorf("legacy answer: %v", err)
	}
}
