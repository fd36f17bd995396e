package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	openfga "github.com/openfga/go-sdk"
	"github.com/openfga/go-sdk/client"
	"github.com/openfga/language/pkg/go/transformer"
)

// roundTripModel is the model of the round trip and of the persistence
// marker: one document viewer relation.
const roundTripModel = `model
  schema 1.1
type user
type document
  relations
    define viewer: [user]
`

// The round trip writes granted and never writes denied.
var (
	granted = TupleKey{User: "user:anne", Relation: "viewer", Object: "document:roadmap"}
	denied  = TupleKey{User: "user:bob", Relation: "viewer", Object: "document:roadmap"}
)

// TupleKey is OpenFGA's relationship tuple.
type TupleKey struct {
	User     string `json:"user"`
	Relation string `json:"relation"`
	Object   string `json:"object"`
}

// Store is a store with one authorization model written to it.
type Store struct {
	ID      string
	ModelID string
}

// RoundTrip creates a store, writes a model and a tuple, checks that the
// tuple is allowed and an unwritten one is not, and deletes the store.
func (c *Client) RoundTrip(ctx context.Context) (err error) {
	s, err := c.CreateStore(ctx, fmt.Sprintf("verify-%d", time.Now().UnixNano()))
	if err != nil {
		return err
	}
	defer func() {
		// a leftover store is harmless, but say so if the check itself passed
		if derr := c.DeleteStore(context.WithoutCancel(ctx), s.ID); derr != nil && err == nil {
			err = derr
		}
	}()
	if err := c.Write(ctx, s, granted); err != nil {
		return err
	}
	return c.expect(ctx, s, map[TupleKey]bool{granted: true, denied: false})
}

// expect checks each tuple and reports every answer that differs.
func (c *Client) expect(ctx context.Context, s Store, want map[TupleKey]bool) error {
	var errs []error
	for _, k := range []TupleKey{granted, denied, Marker} {
		w, ok := want[k]
		if !ok {
			continue
		}
		got, err := c.Check(ctx, s, k)
		if err != nil {
			return err
		}
		if got != w {
			errs = append(errs, fmt.Errorf("check %s %s %s: allowed=%v, want %v", k.User, k.Relation, k.Object, got, w))
		}
	}
	return errors.Join(errs...)
}

// CreateStore makes a store and writes the round-trip model into it.
func (c *Client) CreateStore(ctx context.Context, name string) (Store, error) {
	fga, err := c.sdk()
	if err != nil {
		return Store{}, err
	}
	st, err := fga.CreateStore(ctx).Body(client.ClientCreateStoreRequest{Name: name}).Execute()
	if err != nil {
		return Store{}, apiError("POST /stores", err)
	}
	var m client.ClientWriteAuthorizationModelRequest
	if err := modelRequest(&m); err != nil {
		return Store{ID: st.Id}, err
	}
	w, err := fga.WriteAuthorizationModel(ctx).Body(m).Options(client.ClientWriteAuthorizationModelOptions{StoreId: &st.Id}).Execute()
	if err != nil {
		return Store{ID: st.Id}, apiError("POST /stores/"+st.Id+"/authorization-models", err)
	}
	return Store{ID: st.Id, ModelID: w.AuthorizationModelId}, nil
}

// modelRequest fills m with roundTripModel, compiled from its DSL.
func modelRequest(m *client.ClientWriteAuthorizationModelRequest) error {
	js, err := transformer.TransformDSLToJSON(roundTripModel)
	if err == nil {
		err = json.Unmarshal([]byte(js), m)
	}
	if err != nil {
		return fmt.Errorf("the round trip's model: %w", err)
	}
	return nil
}

// Write writes one tuple.
func (c *Client) Write(ctx context.Context, s Store, k TupleKey) error {
	return c.write(ctx, s, client.ClientWriteRequest{Writes: []client.ClientTupleKey{sdkKey(k)}})
}

// Delete deletes one tuple.
func (c *Client) Delete(ctx context.Context, s Store, k TupleKey) error {
	return c.write(ctx, s, client.ClientWriteRequest{Deletes: []openfga.TupleKeyWithoutCondition{{User: k.User, Relation: k.Relation, Object: k.Object}}})
}

func (c *Client) write(ctx context.Context, s Store, body client.ClientWriteRequest) error {
	fga, err := c.sdk()
	if err != nil {
		return err
	}
	opts := client.ClientWriteOptions{StoreId: &s.ID, AuthorizationModelId: &s.ModelID}
	if _, err := fga.Write(ctx).Body(body).Options(opts).Execute(); err != nil {
		return apiError("POST /stores/"+s.ID+"/write", err)
	}
	return nil
}

// Check asks whether the tuple holds.
func (c *Client) Check(ctx context.Context, s Store, k TupleKey) (bool, error) {
	fga, err := c.sdk()
	if err != nil {
		return false, err
	}
	body := client.ClientCheckRequest{User: k.User, Relation: k.Relation, Object: k.Object}
	opts := client.ClientCheckOptions{StoreId: &s.ID, AuthorizationModelId: &s.ModelID}
	out, err := fga.Check(ctx).Body(body).Options(opts).Execute()
	if err != nil {
		return false, apiError("POST /stores/"+s.ID+"/check", err)
	}
	return out.GetAllowed(), nil
}

// DeleteStore removes a store.
func (c *Client) DeleteStore(ctx context.Context, id string) error {
	fga, err := c.sdk()
	if err != nil {
		return err
	}
	if _, err := fga.DeleteStore(ctx).Options(client.ClientDeleteStoreOptions{StoreId: &id}).Execute(); err != nil {
		return apiError("DELETE /stores/"+id, err)
	}
	return nil
}

func sdkKey(k TupleKey) client.ClientTupleKey {
	return client.ClientTupleKey{User: k.User, Relation: k.Relation, Object: k.Object}
}
