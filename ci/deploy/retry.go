package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/poll"
)

// retryPost repeats a create the API turned away for now (429, 5xx) or
// whose answer was lost. The client never retries a POST by itself, since
// a lost answer may hide a success; the names here are unique, so before
// each retry the object is looked up, and a found one is taken.
func retryPost[T any](ctx context.Context, client *kraftcloud.Client, log *progress, limit time.Duration, what string, create, lookup func() (T, error)) (T, error) {
	deadline := time.Now().Add(limit)
	wait := 500 * time.Millisecond
	for {
		v, err := create()
		if err == nil || !transient(err) {
			return v, err
		}
		if found, lerr := lookup(); lerr == nil {
			return found, nil
		}
		if time.Now().Add(wait).After(deadline) {
			return v, fmt.Errorf("%s: the API kept refusing for %s: %w", what, limit, err)
		}
		log.Printf("%s: %v; retrying in %s", what, err, wait)
		client.Retried()
		if err := poll.Sleep(ctx, wait); err != nil {
			return v, err
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// transient: "try again later" answers, and failures before any answer.
func transient(err error) bool {
	var he *kraftcloud.HTTPError
	var ae *kraftcloud.APIError
	var te *kraftcloud.TransportError
	switch {
	case errors.As(err, &he):
		return he.StatusCode == http.StatusTooManyRequests || he.StatusCode >= 500
	case errors.As(err, &ae):
		return ae.HTTPStatus == http.StatusTooManyRequests || ae.HTTPStatus >= 500
	}
	return errors.As(err, &te)
}
