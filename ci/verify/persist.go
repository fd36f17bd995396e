package verify

import (
	"context"
	"errors"
	"fmt"
	"net/url"
)

// Persistence is proved across deployments: each verified deployment with
// a persistent datastore makes sure a marker tuple is in a marker store,
// and the next one, once its new instance serves, checks that the tuple
// written before the rollout is still allowed. With the memory datastore
// the check would fail by design, so callers use it for persistent ones.

// MarkerStore is the name of the store that holds the marker tuple.
const MarkerStore = "openfga-kraftcloud-persistence"

// Marker is the tuple written before a rollout and checked after it.
var Marker = TupleKey{User: "user:openfga-kraftcloud", Relation: "viewer", Object: "document:persistence-marker"}

// ErrNoMarker means no earlier deployment left a marker (a first deploy,
// or one made before persistence was verified).
var ErrNoMarker = errors.New("no persistence marker store yet")

// WriteMarker makes sure the marker store exists with the model and holds
// the marker tuple; it is idempotent.
func (c *Client) WriteMarker(ctx context.Context) (Store, error) {
	s, err := c.FindStore(ctx, MarkerStore)
	if errors.Is(err, ErrNoMarker) {
		if s, err = c.CreateStore(ctx, MarkerStore); err != nil {
			return s, err
		}
	} else if err != nil {
		return s, err
	}
	if ok, err := c.Check(ctx, s, Marker); err == nil && ok {
		return s, nil // already there: a second write would be refused
	}
	return s, c.Write(ctx, s, Marker)
}

// CheckMarker proves that the marker tuple written by an earlier
// deployment is still allowed. ErrNoMarker: there was none to check.
func (c *Client) CheckMarker(ctx context.Context) (Store, error) {
	s, err := c.FindStore(ctx, MarkerStore)
	if err != nil {
		return s, err
	}
	ok, err := c.Check(ctx, s, Marker)
	if err != nil {
		return s, fmt.Errorf("check the tuple written before the rollout: %w", err)
	}
	if !ok {
		return s, fmt.Errorf("the tuple %s %s %s written before the rollout is no longer allowed: the data did not persist", Marker.User, Marker.Relation, Marker.Object)
	}
	return s, nil
}

// FindStore looks a store up by name (the newest if there are several)
// with its latest authorization model; ErrNoMarker if there is none.
func (c *Client) FindStore(ctx context.Context, name string) (Store, error) {
	var found Store
	token := ""
	for page := 0; page < 100; page++ {
		var out struct {
			Stores []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"stores"`
			Token string `json:"continuation_token"`
		}
		q := url.Values{"page_size": {"100"}}
		if token != "" {
			q.Set("continuation_token", token)
		}
		if err := c.call(ctx, "GET", "/stores?"+q.Encode(), nil, &out); err != nil {
			return found, err
		}
		for _, s := range out.Stores {
			if s.Name == name {
				found.ID = s.ID // stores are listed oldest first: keep the last
			}
		}
		if token = out.Token; token == "" {
			break
		}
	}
	if found.ID == "" {
		return found, ErrNoMarker
	}
	var models struct {
		Models []struct {
			ID string `json:"id"`
		} `json:"authorization_models"`
	}
	if err := c.call(ctx, "GET", "/stores/"+found.ID+"/authorization-models?page_size=1", nil, &models); err != nil {
		return found, err
	}
	if len(models.Models) == 0 {
		return found, fmt.Errorf("the store %s has no authorization model", name)
	}
	found.ModelID = models.Models[0].ID
	return found, nil
}
