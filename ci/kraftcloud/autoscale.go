package kraftcloud

import (
	"context"
	"net/http"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// GetAutoscale returns the autoscale configuration of the service group
// with that UUID; ok is false when it has none (the answer's
// AutoscaleNotConfigured).
func (c *Client) GetAutoscale(ctx context.Context, groupUUID string) (cfg api.Autoscale, ok bool, err error) {
	cl := call{op: "get autoscale of " + groupUUID, method: http.MethodGet, path: servicesPath + "/" + groupUUID + "/autoscale", kind: api.KindServiceGroups}
	items, err := do[api.Autoscale](ctx, c, cl)
	cfg, err = first(cl, items, err)
	if HasCode(err, api.ErrAutoscaleNotConfigured) {
		return api.Autoscale{}, false, nil
	}
	return cfg, err == nil, err
}

// CreateAutoscale configures autoscale for the service group with that
// UUID (POST, not retried); a group that has a configuration refuses
// another (AutoscaleConfigured): delete it first.
func (c *Client) CreateAutoscale(ctx context.Context, groupUUID string, cfg api.AutoscaleRequest) error {
	cl := call{op: "configure autoscale of " + groupUUID, method: http.MethodPost, path: servicesPath + "/" + groupUUID + "/autoscale", body: cfg, kind: api.KindServiceGroups}
	_, err := do[api.Autoscale](ctx, c, cl)
	return err
}

// DeleteAutoscale removes the group's configuration; the platform then
// drains and deletes the instances it had added. No configuration is no
// error.
func (c *Client) DeleteAutoscale(ctx context.Context, groupUUID string) error {
	cl := call{op: "delete autoscale of " + groupUUID, method: http.MethodDelete, path: servicesPath + "/" + groupUUID + "/autoscale", kind: api.KindServiceGroups}
	_, err := do[api.Autoscale](ctx, c, cl)
	if HasCode(err, api.ErrAutoscaleNotConfigured) {
		return nil
	}
	return err
}
