package kraftcloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"
)

// ErrEmptyAnswer is wrapped when a call that must return an item got none.
var ErrEmptyAnswer = errors.New("the answer held no item")

// decode reads the envelope and turns every reported failure into an
// error: failed items first (each an *APIError with its code), then a
// top-level "error" status or non-2xx HTTP status.
func decode[T api.Item](cl call, ans answer, red *redact.Redactor) ([]T, error) {
	var env api.Response[T]
	if err := json.Unmarshal(ans.body, &env); err != nil || env.Status == "" {
		return nil, undecodable(cl, ans, err, red)
	}
	items := env.Items(cl.kind)
	if err := itemErrors(cl, ans, items, red); err != nil {
		return items, err
	}
	if env.Status.Failed() || ans.status >= 300 {
		return items, topLevelError(cl, ans, env.Message, env.Errors, red)
	}
	return items, nil
}

// itemErrors joins one *APIError per failed item.
func itemErrors[T api.Item](cl call, ans answer, items []T, red *redact.Redactor) error {
	var errs []error
	for _, it := range items {
		r := it.Result()
		if r.Failed() {
			errs = append(errs, &APIError{Op: cl.op, Code: r.Error, Message: red.String(r.Message), HTTPStatus: ans.status})
		}
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// topLevelError covers "status":"error" without a failed item, e.g. an
// auth failure reported as "errors":[{"status":401}].
func topLevelError(cl call, ans answer, msg string, list []api.ResponseError, red *redact.Redactor) error {
	e := &APIError{Op: cl.op, Message: red.String(msg), HTTPStatus: ans.status}
	for _, re := range list {
		if re.Status != 0 {
			e.HTTPStatus = re.Status
		}
		if re.Message != "" {
			e.Message = strings.TrimPrefix(e.Message+"; "+red.String(re.Message), "; ")
		}
	}
	return e
}

// undecodable reports an answer that is not an envelope: an HTTP error
// page, or garbage with a 2xx status.
func undecodable(cl call, ans answer, err error, red *redact.Redactor) error {
	excerpt := red.String(strings.TrimSpace(string(ans.body)))
	if len(excerpt) > 200 {
		excerpt = excerpt[:200] + "…"
	}
	if ans.status >= 300 {
		return &HTTPError{Op: cl.op, StatusCode: ans.status, Body: excerpt}
	}
	if err == nil {
		err = errors.New(`no "status" field`)
	}
	return fmt.Errorf("kraftcloud: %s: undecodable answer (HTTP %d): %v: %q", cl.op, ans.status, err, excerpt)
}

// first returns the only item a single-object call expects.
func first[T api.Item](cl call, items []T, err error) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	if len(items) == 0 {
		return zero, fmt.Errorf("kraftcloud: %s: %w", cl.op, ErrEmptyAnswer)
	}
	return items[0], nil
}
