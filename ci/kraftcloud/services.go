package kraftcloud

import (
	"context"
	"net/http"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

const servicesPath = "/v1/services"

// CreateServiceGroup creates a persistent service group (POST, not retried).
func (c *Client) CreateServiceGroup(ctx context.Context, spec api.ServiceGroupSpec) (api.ServiceGroup, error) {
	cl := call{op: "create service group " + spec.Name, method: http.MethodPost, path: servicesPath, body: spec, kind: api.KindServiceGroups}
	items, err := do[api.ServiceGroup](ctx, c, cl)
	return first(cl, items, err)
}

// GetServiceGroup returns one service group.
func (c *Client) GetServiceGroup(ctx context.Context, ref api.Ref) (api.ServiceGroup, error) {
	path, body := byRef(servicesPath, ref, "")
	cl := call{op: "get service group " + ref.String(), method: http.MethodGet, path: path, body: body, kind: api.KindServiceGroups}
	items, err := do[api.ServiceGroup](ctx, c, cl)
	return first(cl, items, err)
}

// DeleteServiceGroup deletes one service group.
func (c *Client) DeleteServiceGroup(ctx context.Context, ref api.Ref) (api.ServiceGroup, error) {
	path, body := byRef(servicesPath, ref, "")
	cl := call{op: "delete service group " + ref.String(), method: http.MethodDelete, path: path, body: body, kind: api.KindServiceGroups}
	items, err := do[api.ServiceGroup](ctx, c, cl)
	return first(cl, items, err)
}
