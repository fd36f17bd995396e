package kraftcloud

import (
	"context"
	"net/http"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

const instancesPath = "/v1/instances"

// CreateInstance creates one instance (POST, never retried). A refused
// restart_policy "on_failure" (the v1 spec's spelling) is sent again as
// "on-failure" (the 2024 spec's and the SDKs'), and refused tags are left
// out (the 2024 spec has none: callers keep what they tag in the env too).
func (c *Client) CreateInstance(ctx context.Context, req api.CreateInstanceRequest) (api.Instance, error) {
	cl := call{op: "create instance " + req.Name, method: http.MethodPost, path: instancesPath, body: req, kind: api.KindInstances}
	if req.TimeoutS > 0 && req.Autostart {
		cl.extra = time.Duration(req.TimeoutS) * time.Second // the server blocks until running
	}
	forms := []call{cl}
	with := func(r api.CreateInstanceRequest) {
		alt := cl
		alt.body = r
		forms = append(forms, alt)
	}
	legacy := req
	if req.RestartPolicy == api.RestartOnFailure {
		legacy.RestartPolicy = api.RestartOnFailureLegacy
		with(legacy)
	}
	if len(req.Tags) > 0 {
		legacy.Tags = nil
		with(legacy)
	}
	items, err := doForms(c, "create instance", forms, func(cl call) ([]api.Instance, error) { return do[api.Instance](ctx, c, cl) })
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

// MaxWait is the longest wait one call asks the platform for: it refuses
// longer ones ("Timeout value must be in the range -1 to 10000", as it
// answers kraft's --timeout), so a longer wait is several calls.
const MaxWait = 10 * time.Second

// WaitInstance blocks (server side, for at most timeout, capped at
// MaxWait) until the instance reaches state. The wait is GET in the v1
// spec and the SDKs, PUT in the 2024 spec (the fallback). A timeout, in
// whichever shape the platform reports it (a per-item TimedOut, a
// top-level message without items, a 408), is an error that
// errors.Is(err, ErrTimedOut).
func (c *Client) WaitInstance(ctx context.Context, ref api.Ref, state api.State, timeout time.Duration) (api.Instance, error) {
	ms := min(timeout, MaxWait).Milliseconds()
	if ms <= 0 {
		ms = 1 // never -1 (forever): our waits are always bounded
	}
	get := call{
		op: "wait for instance " + ref.String() + " to be " + string(state), method: http.MethodGet,
		path: instancesPath + "/wait", kind: api.KindInstances, extra: time.Duration(ms) * time.Millisecond,
		body: []api.WaitRequest{{Ref: ref, State: state, TimeoutMs: ms}},
	}
	put := get
	put.method = http.MethodPut
	items, err := doForms(c, "wait", []call{get, put}, func(cl call) ([]api.Instance, error) { return do[api.Instance](ctx, c, cl) })
	if err != nil && timedOut(err) {
		return api.Instance{}, &APIError{Op: get.op, Code: api.ErrTimedOut, Message: errorText(err)}
	}
	return first(get, items, err)
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
