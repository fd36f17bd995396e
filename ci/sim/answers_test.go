package sim_test

import (
	"encoding/json"
	"testing"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/simtest"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// unchecked does a raw request and decodes the envelope without holding
// it to the spec: the "item" shape of an image not found has per-item
// fields v1's Image lacks, by design.
func unchecked(t *testing.T, s *sim.Sim, method, path, body string) (int, rawEnvelope) {
	t.Helper()
	code, b := raw(t, s, method, path, body)
	var env rawEnvelope
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatalf("%s %s: %d %s: %v", method, path, code, b, err)
	}
	return code, env
}

// TestAnswerShapes: "not there yet" and "timed out" in each shape
// Options.Answers selects, and each dialect's default.
func TestAnswerShapes(t *testing.T) {
	const missing = `{"tag":"sim/missing:latest"}`
	const stopped = `{"name":"waiter","image":"official/base-compat:latest"}`
	const wait = `[{"name":"waiter","state":"running","timeout_ms":50}]`
	cases := []struct {
		name            string
		answers         sim.Answers
		imageCode       int    // HTTP status of the image look-up
		imageItem       bool   // a per-item NotFound
		imageMessage    string // the top-level message
		waitCode        int
		waitItem        bool
		waitTopLevelMsg bool
	}{
		{name: "v1 defaults", imageCode: 200, imageMessage: "No images found", waitCode: 200, waitItem: true},
		{name: "item and message", answers: sim.Answers{ImageNotFound: sim.AnswerItem, WaitTimeout: sim.AnswerMessage},
			imageCode: 200, imageItem: true, waitCode: 200, waitTopLevelMsg: true},
		{name: "http", answers: sim.Answers{ImageNotFound: sim.AnswerHTTP404, WaitTimeout: sim.AnswerHTTP408},
			imageCode: 404, imageMessage: "No image with name 'sim/missing:latest'", waitCode: 408, waitTopLevelMsg: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := simtest.Start(t, simtest.Answers(c.answers))
			code, env := unchecked(t, s, "GET", "/v1/images/list", missing)
			imgs := env.Data["images"]
			if code != c.imageCode || env.Status != spec.StatusError {
				t.Errorf("image: %d %+v", code, env)
			}
			if c.imageItem && (len(imgs) != 1 || imgs[0]["error"] != float64(spec.ErrNotFound) || imgs[0]["status"] != spec.StatusError) {
				t.Errorf("image item: %+v", env)
			}
			if !c.imageItem && (len(imgs) != 0 || env.Message != c.imageMessage) {
				t.Errorf("image message: %+v", env)
			}
			// The newer SDK's form answers the same way.
			if code2, env2 := unchecked(t, s, "GET", "/v1/images?tag=sim/missing:latest", ""); code2 != code || env2.Status != env.Status {
				t.Errorf("GET /v1/images: %d %+v", code2, env2)
			}
			if code, env := send(t, s, "POST", "/v1/instances", stopped); code != 200 || env.Status != spec.StatusSuccess {
				t.Fatalf("create: %d %+v", code, env)
			}
			code, env = send(t, s, "GET", "/v1/instances/wait", wait)
			items := env.Data["instances"]
			if code != c.waitCode || env.Status != spec.StatusError {
				t.Errorf("wait: %d %+v", code, env)
			}
			if c.waitItem && (len(items) != 1 || items[0]["error"] != float64(spec.ErrTimedOut) || items[0]["state"] != spec.StateStopped) {
				t.Errorf("wait item: %+v", env)
			}
			if c.waitTopLevelMsg && (len(items) != 0 || env.Message == "") {
				t.Errorf("wait message: %+v", env)
			}
		})
	}
	// Legacy: an image not found is an item by default.
	s := legacySim(t)
	code, env := send(t, s, "GET", "/v1/images/list", `[{"tagged":"sim/missing:latest"}]`)
	if imgs := env.Data["images"]; code != 200 || env.Status != spec.StatusFailure || len(imgs) != 1 || imgs[0]["error"] != float64(spec.ErrNotFound) {
		t.Errorf("legacy image: %d %+v", code, env)
	}
}
