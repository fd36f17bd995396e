package fgastore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	openfga "github.com/openfga/go-sdk"
	"github.com/openfga/go-sdk/client"
	"github.com/openfga/go-sdk/credentials"
	"golang.org/x/sync/errgroup"
)

// Endpoint is an OpenFGA HTTP API to talk to.
type Endpoint struct {
	URL  string       // e.g. http://127.0.0.1:8080 or https://openfga.fra.unikraft.app
	Key  string       // preshared key; empty when authentication is off
	HTTP *http.Client // nil: http.DefaultClient; the caller's own trusts a private CA or retries
}

// maxTuplesPerWrite is OpenFGA's default limit on the tuples of one write
// (--max-tuples-per-write); a deployed server may not raise it.
const maxTuplesPerWrite = 100

func (e Endpoint) client() (*client.OpenFgaClient, error) {
	cfg := &client.ClientConfiguration{ApiUrl: e.URL, HTTPClient: e.HTTP}
	if e.Key != "" {
		cfg.Credentials = &credentials.Credentials{
			Method: credentials.CredentialsMethodApiToken,
			Config: &credentials.Config{ApiToken: e.Key},
		}
	}
	c, err := client.NewSdkClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("OpenFGA client for %s: %w", e.URL, err)
	}
	return c, nil
}

// writers bounds the writes (or reads) of one store in flight at once:
// enough to hide the round trip, few enough for a small instance.
const writers = 4

// forChunks calls fn for each chunk of at most maxTuplesPerWrite tuples,
// writers of them at once, and returns the first error.
func forChunks[T any](ctx context.Context, all []T, fn func(ctx context.Context, chunk []T) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(writers)
	for start := 0; start < len(all); start += maxTuplesPerWrite {
		chunk := all[start:min(start+maxTuplesPerWrite, len(all))]
		g.Go(func() error { return fn(ctx, chunk) })
	}
	return g.Wait()
}

// writeTuples writes keys into store in writes of at most
// maxTuplesPerWrite. onDuplicate "ignore" makes a tuple that is already
// there no error (OpenFGA >= 1.10; older servers drop the field); "" keeps
// the server's default, an error.
func writeTuples(ctx context.Context, c *client.OpenFgaClient, store, model string, keys []openfga.TupleKey, onDuplicate client.ClientWriteRequestOnDuplicateWrites) error {
	return forChunks(ctx, keys, func(ctx context.Context, chunk []openfga.TupleKey) error {
		opts := client.ClientWriteOptions{StoreId: &store, AuthorizationModelId: &model}
		opts.Conflict.OnDuplicateWrites = onDuplicate
		_, err := c.Write(ctx).Body(client.ClientWriteRequest{Writes: chunk}).Options(opts).Execute()
		return err
	})
}

// apiMessage is what the server said about a failed request (its JSON
// error's message), without the request the go-sdk puts in its error text:
// that can hold the whole model or a hundred tuples.
func apiMessage(err error) string {
	msg := err.Error()
	var body interface{ Body() []byte }
	if errors.As(err, &body) {
		var e struct{ Code, Message string }
		if json.Unmarshal(body.Body(), &e) == nil && e.Message != "" {
			msg = e.Message
		}
	}
	if errors.As(err, new(openfga.FgaApiAuthenticationError)) {
		msg += " (the server wants a preshared key: give the right one)"
	}
	return msg
}

// apiCode is the server's error code (e.g. write_failed_due_to_invalid_input),
// or "".
func apiCode(err error) string {
	var body interface{ Body() []byte }
	if errors.As(err, &body) {
		var e struct{ Code string }
		if json.Unmarshal(body.Body(), &e) == nil {
			return e.Code
		}
	}
	return ""
}

func keysOf(ts []Tuple) []openfga.TupleKey {
	keys := make([]openfga.TupleKey, len(ts))
	for i, t := range ts {
		keys[i] = t.TupleKey
	}
	return keys
}
