package verify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The model and tuples of the round trip: one document viewer relation, one
// tuple written, one tuple never written.
var (
	model = map[string]any{
		"schema_version": "1.1",
		"type_definitions": []any{
			map[string]any{"type": "user"},
			map[string]any{
				"type":      "document",
				"relations": map[string]any{"viewer": map[string]any{"this": map[string]any{}}},
				"metadata": map[string]any{"relations": map[string]any{
					"viewer": map[string]any{"directly_related_user_types": []any{map[string]any{"type": "user"}}},
				}},
			},
		},
	}
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
	return c.expect(ctx, s, granted, true, denied, false)
}

func (c *Client) expect(ctx context.Context, s Store, pairs ...any) error {
	var errs []error
	for i := 0; i+1 < len(pairs); i += 2 {
		k, want := pairs[i].(TupleKey), pairs[i+1].(bool)
		got, err := c.Check(ctx, s, k)
		if err != nil {
			return err
		}
		if got != want {
			errs = append(errs, fmt.Errorf("check %s %s %s: allowed=%v, want %v", k.User, k.Relation, k.Object, got, want))
		}
	}
	return errors.Join(errs...)
}

// CreateStore makes a store and writes the round-trip model into it.
func (c *Client) CreateStore(ctx context.Context, name string) (Store, error) {
	var st struct {
		ID string `json:"id"`
	}
	if err := c.call(ctx, "POST", "/stores", map[string]string{"name": name}, &st); err != nil {
		return Store{}, err
	}
	var m struct {
		ID string `json:"authorization_model_id"`
	}
	if err := c.call(ctx, "POST", "/stores/"+st.ID+"/authorization-models", model, &m); err != nil {
		return Store{ID: st.ID}, err
	}
	return Store{ID: st.ID, ModelID: m.ID}, nil
}

// Write writes one tuple.
func (c *Client) Write(ctx context.Context, s Store, k TupleKey) error {
	body := map[string]any{
		"writes":                 map[string]any{"tuple_keys": []TupleKey{k}},
		"authorization_model_id": s.ModelID,
	}
	return c.call(ctx, "POST", "/stores/"+s.ID+"/write", body, nil)
}

// Check asks whether the tuple holds.
func (c *Client) Check(ctx context.Context, s Store, k TupleKey) (bool, error) {
	var out struct {
		Allowed bool `json:"allowed"`
	}
	body := map[string]any{"tuple_key": k, "authorization_model_id": s.ModelID}
	err := c.call(ctx, "POST", "/stores/"+s.ID+"/check", body, &out)
	return out.Allowed, err
}

// DeleteStore removes a store.
func (c *Client) DeleteStore(ctx context.Context, id string) error {
	return c.call(ctx, "DELETE", "/stores/"+id, nil, nil)
}
