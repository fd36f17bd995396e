package kraftcloud

import (
	"context"
	"net/http"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// FindImage looks an image up at this metro by tag ("user/app:latest") or
// digest ("user/app@sha256:..."), through the legacy GET /v1/images/list
// filter that kraftkit uses. An image not (yet) visible is an *APIError
// with api.ErrNotFound, so callers can poll for propagation.
func (c *Client) FindImage(ctx context.Context, f api.ImageFilter) (api.Image, error) {
	what := f.Tag
	if f.Digest != "" {
		what = f.Digest
	}
	cl := call{op: "find image " + what, method: http.MethodGet, path: "/v1/images/list", body: []api.ImageFilter{f}, kind: api.KindImages}
	items, err := do[api.Image](ctx, c, cl)
	if err == nil && len(items) == 0 {
		return api.Image{}, &APIError{Op: cl.op, Code: api.ErrNotFound, Message: "no image " + what + " at this metro"}
	}
	return first(cl, items, err)
}

// Quotas returns the user's usage, hard limits and per-object limits.
func (c *Client) Quotas(ctx context.Context) (api.Quotas, error) {
	cl := call{op: "get quotas", method: http.MethodGet, path: "/v1/users/quotas", kind: api.KindQuotas}
	items, err := do[api.Quotas](ctx, c, cl)
	return first(cl, items, err)
}
