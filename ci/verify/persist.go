package verify

import (
	"context"
	"errors"
	"fmt"

	openfga "github.com/openfga/go-sdk"
	"github.com/openfga/go-sdk/client"
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
	fga, err := c.sdk()
	if err != nil {
		return Store{}, err
	}
	var found Store
	opts := client.ClientListStoresOptions{Name: &name, PageSize: openfga.PtrInt32(100)}
	for page := 0; page < 100; page++ {
		out, err := fga.ListStores(ctx).Options(opts).Execute()
		if err != nil {
			return found, apiError("GET /stores", err)
		}
		for _, s := range out.Stores {
			if s.Name == name { // a server before the name filter lists them all
				found.ID = s.Id // stores are listed oldest first: keep the last
			}
		}
		if out.ContinuationToken == "" {
			break
		}
		opts.ContinuationToken = &out.ContinuationToken
	}
	if found.ID == "" {
		return found, ErrNoMarker
	}
	models, err := fga.ReadAuthorizationModels(ctx).Options(client.ClientReadAuthorizationModelsOptions{
		StoreId: &found.ID, PageSize: openfga.PtrInt32(1)}).Execute()
	if err != nil {
		return found, apiError("GET /stores/"+found.ID+"/authorization-models", err)
	}
	if len(models.AuthorizationModels) == 0 {
		return found, fmt.Errorf("the store %s has no authorization model", name)
	}
	found.ModelID = models.AuthorizationModels[0].Id
	return found, nil
}
