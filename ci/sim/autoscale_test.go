package sim_test

import (
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// TestAutoscale: configurations and policies of a service group are
// checked, stored and answered in v1's shapes.
func TestAutoscale(t *testing.T) {
	s := v1Sim(t)
	code, env := send(t, s, "POST", "/v1/services", `{"name":"scaled","services":[`+web443+`]}`)
	if code != 200 || len(env.Data["service_groups"]) != 1 {
		t.Fatalf("create group: %d %+v", code, env)
	}
	id := env.Data["service_groups"][0]["uuid"].(string)
	base := "/v1/services/" + id + "/autoscale"

	// Unconfigured: its own top-level status, an item with the code.
	code, env = send(t, s, "GET", base, "")
	if code != 200 || env.Status != spec.StatusUnconfigured || itemCode(env, "service_groups") != int(spec.ErrAutoscaleNotConfigured) {
		t.Errorf("unconfigured: %d %+v", code, env)
	}
	if _, env := send(t, s, "POST", base+"/policies", `{"name":"p","type":{"name":"p","metric":"cpu"}}`); itemCode(env, "policies") != int(spec.ErrAutoscaleNotConfigured) {
		t.Errorf("policy without a configuration: %+v", env)
	}
	// Refused before anything is stored.
	if code, env := send(t, s, "POST", base, `{"min_size":4,"max_size":2}`); code != 400 || itemCode(env, "service_groups") != int(spec.ErrAutoscaleSizeOOR) {
		t.Errorf("min above max: %d %+v", code, env)
	}
	if code, _ := send(t, s, "POST", base, `{"min_size":1,"max_size":4,"master":{"name":"x"}}`); code != 400 {
		t.Errorf("the legacy master key: %d", code)
	}

	config := `{"min_size":1,"max_size":4,"warmup_time_ms":500,"cooldown_time_ms":2000,"create_args":{"template":{"name":"tpl"}},` +
		`"policies":[{"name":"cpu-step","metric":"cpu","adjustment_type":"percentage","steps":[{"lower_bound":0,"upper_bound":50,"adjustment":-10},{"lower_bound":50,"adjustment":20}]}]}`
	if code, env := send(t, s, "POST", base, config); code != 200 || env.Status != spec.StatusSuccess || env.Data["service_groups"][0]["uuid"] != id {
		t.Fatalf("configure: %d %+v", code, env)
	}
	if _, env := send(t, s, "POST", "/v1/services/autoscale", `[{"name":"scaled","min_size":1,"max_size":2}]`); itemCode(env, "service_groups") != int(spec.ErrAutoscaleConfigured) {
		t.Errorf("configured twice: %+v", env)
	}
	_, env = send(t, s, "GET", "/v1/services/autoscale", `[{"name":"scaled"}]`)
	cfg := env.Data["service_groups"]
	if env.Status != spec.StatusSuccess || len(cfg) != 1 || cfg[0]["enabled"] != true || cfg[0]["min_size"] != 1.0 || cfg[0]["max_size"] != 4.0 ||
		cfg[0]["warmup_time_ms"] != 500.0 || cfg[0]["cooldown_time_ms"] != 2000.0 || cfg[0]["template"].(map[string]any)["name"] != "tpl" ||
		len(cfg[0]["policies"].([]any)) != 1 {
		t.Errorf("configuration: %+v", env)
	}
	if _, env := send(t, s, "GET", "/v1/services/"+id, ""); env.Data["service_groups"][0]["autoscale"] != true {
		t.Errorf("group: %+v", env)
	}

	// Policies: add, get by body and by path, delete.
	policy := `{"name":"scaled","type":{"name":"burst","enabled":true,"metric":"cpu","adjustment_type":"exact","steps":[{"lower_bound":80,"adjustment":4}]}}`
	if _, env := send(t, s, "POST", base+"/policies", policy); env.Status != spec.StatusSuccess || env.Data["policies"][0]["name"] != "burst" {
		t.Errorf("add policy: %+v", env)
	}
	if _, env := send(t, s, "POST", base+"/policies", policy); itemCode(env, "policies") != int(spec.ErrAlreadyExists) {
		t.Errorf("add it again: %+v", env)
	}
	if _, env := send(t, s, "GET", base+"/policies", `{"name":"burst"}`); env.Data["policies"][0]["policy"].(map[string]any)["adjustment_type"] != "exact" {
		t.Errorf("get policy: %+v", env)
	}
	if _, env := send(t, s, "GET", base+"/policies/cpu-step", ""); env.Data["policies"][0]["policy"].(map[string]any)["name"] != "cpu-step" {
		t.Errorf("get policy by name: %+v", env)
	}
	if _, env := send(t, s, "DELETE", base+"/policies/burst", ""); env.Status != spec.StatusSuccess {
		t.Errorf("delete policy: %+v", env)
	}
	if _, env := send(t, s, "DELETE", base+"/policies", `{"name":"burst"}`); itemCode(env, "policies") != int(spec.ErrNotFound) {
		t.Errorf("delete it again: %+v", env)
	}
	if code, env := send(t, s, "POST", base+"/policies", `{"name":"x","type":{"metric":"memory"}}`); code != 400 || !strings.Contains(env.Message, "type.metric") {
		t.Errorf("unknown metric: %d %+v", code, env)
	}

	// Delete the configuration: the group is unconfigured again.
	if _, env := send(t, s, "DELETE", "/v1/services/autoscale", `[{"uuid":"`+id+`"}]`); env.Status != spec.StatusSuccess {
		t.Errorf("delete: %+v", env)
	}
	if _, env := send(t, s, "DELETE", base, ""); itemCode(env, "service_groups") != int(spec.ErrAutoscaleNotConfigured) {
		t.Errorf("delete again: %+v", env)
	}
	if _, env := send(t, s, "GET", "/v1/services/"+id, ""); env.Data["service_groups"][0]["autoscale"] != nil {
		t.Errorf("group after delete: %+v", env)
	}
}
