package kraftcloud

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

const instancesPath = "/v1/instances"

// CreateInstance creates one instance (POST, never retried).
func (c *Client) CreateInstance(ctx context.Context, req api.CreateInstanceRequest) (api.Instance, error) {
	cl := call{op: "create instance " + req.Name, method: http.MethodPost, path: instancesPath, body: req, kind: api.KindInstances}
	if req.TimeoutS > 0 && req.Autostart {
		cl.extra = time.Duration(req.TimeoutS) * time.Second // the server blocks until running
	}
	items, err := do[api.Instance](ctx, c, cl)
	return first(cl, items, err)
}

// GetInstance returns the full instance object.
func (c *Client) GetInstance(ctx context.Context, ref api.Ref) (api.Instance, error) {
	path, body := byRef(instancesPath, ref, "")
	cl := call{op: "get instance " + ref.String(), method: http.MethodGet, path: path, body: body, kind: api.KindInstances}
	items, err := do[api.Instance](ctx, c, cl)
	return first(cl, items, err)
}

// ListInstances returns every instance of the user (may be empty).
func (c *Client) ListInstances(ctx context.Context) ([]api.Instance, error) {
	cl := call{op: "list instances", method: http.MethodGet, path: instancesPath, kind: api.KindInstances}
	return do[api.Instance](ctx, c, cl)
}

// WaitInstance blocks (server side, for at most timeout) until the
// instance reaches state. A timeout is an *APIError with api.ErrTimedOut.
func (c *Client) WaitInstance(ctx context.Context, ref api.Ref, state api.State, timeout time.Duration) (api.Instance, error) {
	ms := timeout.Milliseconds()
	if ms <= 0 {
		ms = 1 // never -1 (forever): our waits are always bounded
	}
	cl := call{
		op: "wait for instance " + ref.String() + " to be " + string(state), method: http.MethodGet,
		path: instancesPath + "/wait", kind: api.KindInstances, extra: timeout,
		body:  []api.WaitRequest{{Ref: ref, State: state, TimeoutMs: ms}},
		query: map[string][]string{"state": {string(state)}, "timeout_ms": {strconv.FormatInt(ms, 10)}},
	}
	items, err := do[api.Instance](ctx, c, cl)
	return first(cl, items, err)
}

// StopInstance asks the instance to stop (non-blocking; PUT, not
// retried). drain > 0 drains connections first; it cannot go with force.
func (c *Client) StopInstance(ctx context.Context, ref api.Ref, force bool, drain time.Duration) (api.Instance, error) {
	cl := call{
		op: "stop instance " + ref.String(), method: http.MethodPut, path: instancesPath + "/stop", kind: api.KindInstances,
		body: []api.StopRequest{{Ref: ref, Force: force, DrainTimeoutMs: drain.Milliseconds()}},
	}
	items, err := do[api.Instance](ctx, c, cl)
	return first(cl, items, err)
}

// StartInstance starts a stopped instance (PUT, not retried).
func (c *Client) StartInstance(ctx context.Context, ref api.Ref) (api.Instance, error) {
	cl := call{
		op: "start instance " + ref.String(), method: http.MethodPut, path: instancesPath + "/start", kind: api.KindInstances,
		body: []api.StartRequest{{Ref: ref}},
	}
	items, err := do[api.Instance](ctx, c, cl)
	return first(cl, items, err)
}

// DeleteInstance deletes (and force-stops) the instance. The answer
// carries previous_state.
func (c *Client) DeleteInstance(ctx context.Context, ref api.Ref) (api.Instance, error) {
	path, body := byRef(instancesPath, ref, "")
	cl := call{op: "delete instance " + ref.String(), method: http.MethodDelete, path: path, body: body, kind: api.KindInstances}
	items, err := do[api.Instance](ctx, c, cl)
	return first(cl, items, err)
}
