package kraftcloud

import (
	"context"
	"net/http"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

const volumesPath = "/v1/volumes"

// CreateVolume creates a volume (POST, not retried): one object, as the
// v1 spec and both SDKs send it, else an array of one, the 2024 spec's
// form. Wait for state "available" (GetVolume) before attaching it.
func (c *Client) CreateVolume(ctx context.Context, req api.CreateVolumeRequest) (api.Volume, error) {
	cl := call{op: "create volume " + req.Name, method: http.MethodPost, path: volumesPath, body: req, kind: api.KindVolumes}
	legacy := cl
	legacy.body = []api.LegacyCreateVolumeRequest{{Name: req.Name, SizeMB: req.SizeMB}} // the 2024 spec has no tags
	items, err := doForms(c, "create volume", []call{cl, legacy}, func(cl call) ([]api.Volume, error) { return do[api.Volume](ctx, c, cl) })
	return first(cl, items, err)
}

// GetVolume returns one volume.
func (c *Client) GetVolume(ctx context.Context, ref api.Ref) (api.Volume, error) {
	path, body := byRef(volumesPath, ref, "")
	cl := call{op: "get volume " + ref.String(), method: http.MethodGet, path: path, body: body, kind: api.KindVolumes}
	items, err := do[api.Volume](ctx, c, cl)
	return first(cl, items, err)
}

// AttachVolume attaches a volume to a stopped instance at path at (PUT,
// not retried).
func (c *Client) AttachVolume(ctx context.Context, vol, inst api.Ref, at string, readOnly bool) (api.Volume, error) {
	cl := call{
		op: "attach volume " + vol.String() + " to " + inst.String(), method: http.MethodPut, path: volumesPath + "/attach", kind: api.KindVolumes,
		body: []api.AttachVolumeRequest{{Ref: vol, AttachTo: inst, At: at, ReadOnly: readOnly}},
	}
	items, err := do[api.Volume](ctx, c, cl)
	return first(cl, items, err)
}

// DetachVolume detaches a volume from its instance (PUT, not retried).
func (c *Client) DetachVolume(ctx context.Context, vol api.Ref) (api.Volume, error) {
	cl := call{
		op: "detach volume " + vol.String(), method: http.MethodPut, path: volumesPath + "/detach", kind: api.KindVolumes,
		body: []api.DetachVolumeRequest{{Ref: vol}},
	}
	items, err := do[api.Volume](ctx, c, cl)
	return first(cl, items, err)
}

// DeleteVolume deletes a volume.
func (c *Client) DeleteVolume(ctx context.Context, ref api.Ref) (api.Volume, error) {
	path, body := byRef(volumesPath, ref, "")
	cl := call{op: "delete volume " + ref.String(), method: http.MethodDelete, path: path, body: body, kind: api.KindVolumes}
	items, err := do[api.Volume](ctx, c, cl)
	return first(cl, items, err)
}

// CloneVolume copies a volume into a new one named name (POST, not
// retried). The platform clones only a volume that no instance mounts
// read-write: stop its instance first. Wait for the copy's state
// "available" (GetVolume) before using it.
func (c *Client) CloneVolume(ctx context.Context, src api.Ref, name string) (api.Volume, error) {
	cl := call{op: "clone volume " + src.String() + " as " + name, method: http.MethodPost, path: volumesPath + "/clone", kind: api.KindVolumes,
		body: []api.CloneVolumeRequest{{Ref: src, VolName: name}}}
	items, err := do[api.Volume](ctx, c, cl)
	return first(cl, items, err)
}
