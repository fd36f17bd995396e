package kraftcloud

import (
	"context"
	"net/http"
	"net/url"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// FindImage looks an image up at this metro by tag ("user/app:latest") or
// digest ("user/app@sha256:..."). The sources give three forms, tried in
// this order (see forms.go): the v1 spec's GET /v1/images/list with one
// TagOrDigest object; the same path with an array, as kraftkit and the old
// SDK send it (the 2024 spec names the tag key "tagged"); the newest SDK's
// GET /v1/images with an array and the digest or tag as query. An image
// not (yet) visible is an *APIError with api.ErrNotFound, whatever shape
// the platform said it in, so callers can poll for propagation.
func (c *Client) FindImage(ctx context.Context, f api.ImageFilter) (api.Image, error) {
	what := f.Tag
	if f.Digest != "" {
		what = f.Digest
	}
	base := call{op: "find image " + what, method: http.MethodGet, path: "/v1/images/list", kind: api.KindImages}
	v1, kraftkit, legacy, newest := base, base, base, base
	v1.body = f
	kraftkit.body = []api.ImageFilter{f}
	legacy.body = []api.LegacyImageFilter{{Tagged: f.Tag, Digest: f.Digest}}
	newest.path, newest.body, newest.query = "/v1/images", []api.ImageFilter{f}, url.Values{}
	if f.Digest != "" {
		newest.query.Set("digest", f.Digest)
	} else {
		newest.query.Set("tag", f.Tag)
	}
	forms := []call{v1, kraftkit, newest}
	if f.Tag != "" {
		forms = append(forms, legacy) // only the tag key differs in the 2024 spec
	}
	items, err := doForms(c, "find image", forms, func(cl call) ([]api.Image, error) { return do[api.Image](ctx, c, cl) })
	if (err == nil && len(items) == 0) || (err != nil && absent(err)) {
		msg := "no image " + what + " at this metro"
		if err != nil {
			msg = errorText(err)
		}
		return api.Image{}, &APIError{Op: base.op, Code: api.ErrNotFound, Message: msg}
	}
	return first(base, items, err)
}

// Quotas returns the user's usage, hard limits and per-object limits.
func (c *Client) Quotas(ctx context.Context) (api.Quotas, error) {
	cl := call{op: "get quotas", method: http.MethodGet, path: "/v1/users/quotas", kind: api.KindQuotas}
	items, err := do[api.Quotas](ctx, c, cl)
	return first(cl, items, err)
}
