package sim_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// TestResetAfterCreate: a create is carried out and its connection closed
// without an answer; the object exists, found by name.
func TestResetAfterCreate(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, simtest.Faults(sim.Faults{ResetAfterCreate: 2}))
	post := func(path, body string) error {
		req, _ := http.NewRequest(http.MethodPost, s.Endpoints().API+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+s.Endpoints().Token)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			t.Errorf("POST %s answered %d %s", path, resp.StatusCode, b)
		}
		return err
	}
	if err := post("/v1/instances", `{"name":"lost-answer","image":"official/base-compat:latest"}`); err == nil {
		t.Fatal("the instance create was answered")
	}
	if err := post("/v1/services", `{"name":"lost-group","services":[`+web443+`]}`); err == nil {
		t.Fatal("the service group create was answered")
	}
	if _, env := send(t, s, "GET", "/v1/instances", `[{"name":"lost-answer"}]`); env.Status != spec.StatusSuccess {
		t.Errorf("the instance was not created: %+v", env)
	}
	if _, env := send(t, s, "GET", "/v1/services", `[{"name":"lost-group"}]`); env.Status != spec.StatusSuccess {
		t.Errorf("the group was not created: %+v", env)
	}
	// The count is used up: the next create is answered.
	if code, env := send(t, s, "POST", "/v1/instances", `{"name":"answered","image":"official/base-compat:latest"}`); code != 200 || env.Status != spec.StatusSuccess {
		t.Errorf("after the faults: %d %+v", code, env)
	}
}

// TestGatewayPages: a 502 or 504 comes as the gateway's HTML page, other
// 5xx as the API's envelope.
func TestGatewayPages(t *testing.T) {
	s := v1Sim(t)
	for _, c := range []struct {
		code int
		ct   string
		body string
	}{{502, "text/html", "<center><h1>502 Bad Gateway</h1></center>"}, {504, "text/html", "504 Gateway Timeout"}, {503, "application/json", `"errors":[{"status":503}]`}} {
		s.SetFaults(sim.Faults{ServerErrors: 1, ServerErrorCode: c.code, Path: "/v1/users/quotas"})
		req, _ := http.NewRequest(http.MethodGet, s.Endpoints().API+"/v1/users/quotas", nil)
		req.Header.Set("Authorization", "Bearer "+s.Endpoints().Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.code || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ct) || !strings.Contains(string(b), c.body) {
			t.Errorf("%d: got %d %s %s", c.code, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
	s.SetFaults(sim.Faults{})
}
