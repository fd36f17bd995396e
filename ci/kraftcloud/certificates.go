package kraftcloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

const certificatesPath = "/v1/certificates"

// CreateCertificate uploads a certificate (POST, not retried). Errors
// name the certificate, never the request's body: the key is a secret.
func (c *Client) CreateCertificate(ctx context.Context, req api.CreateCertificateRequest) (api.Certificate, error) {
	cl := call{op: "upload certificate " + req.Name, method: http.MethodPost, path: certificatesPath, body: req, kind: api.KindCertificates}
	items, err := do[api.Certificate](ctx, c, cl)
	return first(cl, items, err)
}

// ListCertificates lists the uploaded certificates; ErrUnsupported on a
// platform without certificates (the 2024 API).
func (c *Client) ListCertificates(ctx context.Context) ([]api.Certificate, error) {
	cl := call{op: "list certificates", method: http.MethodGet, path: certificatesPath, kind: api.KindCertificates}
	items, err := do[api.Certificate](ctx, c, cl)
	if err != nil && notUnderstood(err) {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return items, err
}

// ErrUnsupported means the platform's API has no such endpoint.
var ErrUnsupported = errors.New("not supported by this platform's API")

// DeleteCertificate deletes one certificate.
func (c *Client) DeleteCertificate(ctx context.Context, ref api.Ref) error {
	path, body := byRef(certificatesPath, ref, "")
	cl := call{op: "delete certificate " + ref.String(), method: http.MethodDelete, path: path, body: body, kind: api.KindCertificates}
	_, err := do[api.Certificate](ctx, c, cl)
	return err
}
