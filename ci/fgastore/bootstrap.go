package fgastore

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	openfgav1 "github.com/openfga/api/proto/openfga/v1"
	openfga "github.com/openfga/go-sdk"
	"github.com/openfga/go-sdk/client"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Result is what Bootstrap found and did.
type Result struct {
	StoreID              string `json:"store_id"`
	StoreName            string `json:"store_name"`
	StoreCreated         bool   `json:"store_created"`
	AuthorizationModelID string `json:"authorization_model_id"`
	ModelWritten         bool   `json:"model_written"`
	TuplesWritten        int    `json:"tuples_written"`
	TuplesPresent        int    `json:"tuples_present"`
}

// Bootstrap makes the store of f exist on the OpenFGA at e, and is safe to
// run on every deployment:
//   - the store is the one named f.Name, created when there is none; when
//     several have that name it refuses, unless storeID says which (then
//     it uses exactly that store, and checks its name);
//   - the model is written only when it differs from the store's latest,
//     so an unchanged redeploy keeps its authorization model ID;
//   - the file's global tuples (never its tests' tuples) are added to the
//     store: those already there are counted, not written again, and the
//     tuples the application wrote stay.
func Bootstrap(ctx context.Context, e Endpoint, f *File, storeID string) (Result, error) {
	var r Result
	if f.Name == "" {
		return r, &Error{Pos: Pos{File: f.Path}, Field: "name", Msg: "the file has no name; add one: Bootstrap finds the store by it"}
	}
	c, err := e.client()
	if err != nil {
		return r, err
	}
	if r.StoreID, r.StoreCreated, err = findStore(ctx, c, f.Name, storeID); err != nil {
		return r, fmt.Errorf("%s: store %q on %s: %w", f.Path, f.Name, e.URL, err)
	}
	r.StoreName = f.Name
	if r.AuthorizationModelID, r.ModelWritten, err = ensureModel(ctx, c, r.StoreID, f.Model); err != nil {
		return r, fmt.Errorf("%s: the model of store %s: %w", f.Path, r.StoreID, err)
	}
	t := tupleWriter{c: c, store: r.StoreID, model: r.AuthorizationModelID}
	for start := 0; start < len(f.Tuples); start += maxTuplesPerWrite {
		written, present, err := t.add(ctx, f.Tuples[start:min(start+maxTuplesPerWrite, len(f.Tuples))])
		r.TuplesWritten += written
		r.TuplesPresent += present
		if err != nil {
			return r, fmt.Errorf("%s: the tuples of store %s: %w", f.Path, r.StoreID, err)
		}
	}
	return r, nil
}

// findStore finds the store to bootstrap: the one with that ID, or the
// only one with that name, or a new one.
func findStore(ctx context.Context, c *client.OpenFgaClient, name, id string) (string, bool, error) {
	if id != "" {
		s, err := c.GetStore(ctx).Options(client.ClientGetStoreOptions{StoreId: &id}).Execute()
		if err != nil {
			return "", false, fmt.Errorf("reading store %s: %s", id, apiMessage(err))
		}
		if s.Name != name {
			return "", false, fmt.Errorf("store %s is named %q; give the ID of a store named %q, or none to find it by name", id, s.Name, name)
		}
		return id, false, nil
	}
	ids, err := storesNamed(ctx, c, name)
	switch {
	case err != nil:
		return "", false, err
	case len(ids) == 1:
		return ids[0], false, nil
	case len(ids) > 1:
		return "", false, fmt.Errorf("%d stores have this name: %s; give the ID of the one to use", len(ids), strings.Join(ids, ", "))
	}
	s, err := c.CreateStore(ctx).Body(client.ClientCreateStoreRequest{Name: name}).Execute()
	if err != nil {
		return "", false, fmt.Errorf("creating it: %s", apiMessage(err))
	}
	return s.Id, true, nil
}

// storesNamed lists the IDs of the stores named name, page after page. The
// name filter is the server's (OpenFGA >= 1.8.3); the names are compared
// here too, for a server that ignores it.
func storesNamed(ctx context.Context, c *client.OpenFgaClient, name string) ([]string, error) {
	var ids []string
	opts := client.ClientListStoresOptions{Name: &name, PageSize: openfga.PtrInt32(100)}
	for {
		page, err := c.ListStores(ctx).Options(opts).Execute()
		if err != nil {
			return nil, fmt.Errorf("listing stores: %s", apiMessage(err))
		}
		for _, s := range page.Stores {
			if s.Name == name {
				ids = append(ids, s.Id)
			}
		}
		if page.ContinuationToken == "" {
			return ids, nil
		}
		opts.ContinuationToken = &page.ContinuationToken
	}
}

// ensureModel writes m unless the store's latest model is the same.
func ensureModel(ctx context.Context, c *client.OpenFgaClient, store string, m openfga.AuthorizationModel) (string, bool, error) {
	latest, err := c.ReadLatestAuthorizationModel(ctx).Options(client.ClientReadLatestAuthorizationModelOptions{StoreId: &store}).Execute()
	if err != nil {
		return "", false, fmt.Errorf("reading the latest: %s", apiMessage(err))
	}
	if old := latest.AuthorizationModel; old != nil {
		same, err := sameModel(*old, m)
		if err != nil {
			return "", false, err
		}
		if same {
			return old.Id, false, nil
		}
	}
	id, err := writeModel(ctx, c, store, m)
	if err != nil {
		return "", false, fmt.Errorf("the server refused it: %s", apiMessage(err))
	}
	return id, true, nil
}

// sameModel compares two models as OpenFGA reads them: their schema
// version, type definitions (in any order) and conditions, through the
// API's protobuf types, so that JSON spelling (key order, an empty list
// against none) is no difference.
func sameModel(a, b openfga.AuthorizationModel) (bool, error) {
	pa, err := normalModel(a)
	if err != nil {
		return false, err
	}
	pb, err := normalModel(b)
	if err != nil {
		return false, err
	}
	return proto.Equal(pa, pb), nil
}

func normalModel(m openfga.AuthorizationModel) (*openfgav1.AuthorizationModel, error) {
	m.Id = ""
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var p openfgav1.AuthorizationModel
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("reading a model: %w", err)
	}
	slices.SortFunc(p.TypeDefinitions, func(x, y *openfgav1.TypeDefinition) int { return strings.Compare(x.GetType(), y.GetType()) })
	return &p, nil
}

// tupleWriter adds tuples to a store, counting those already there.
type tupleWriter struct {
	c            *client.OpenFgaClient
	store, model string
}

// add writes the tuples of chunk the store does not have. It first writes
// them all, as a redeploy that adds tuples mostly finds none of them
// there; only when the server says one exists does it read which, and
// write the rest with on_duplicate "ignore", so that a tuple the
// application writes meanwhile is no error. A server older than 1.10
// drops that option; then a tuple written meanwhile fails the write, and
// the chunk is read again.
func (w tupleWriter) add(ctx context.Context, chunk []Tuple) (written, present int, err error) {
	err = writeTuples(ctx, w.c, w.store, w.model, keysOf(chunk), "")
	if err == nil {
		return len(chunk), 0, nil
	}
	for range 3 {
		if !alreadyExists(err) {
			return 0, 0, fmt.Errorf("writing %s and %d more: %s", chunk[0].At, len(chunk)-1, apiMessage(err))
		}
		var missing []Tuple
		if missing, err = w.missing(ctx, chunk); err != nil {
			return 0, 0, err
		}
		if len(missing) == 0 {
			return 0, len(chunk), nil
		}
		if err = writeTuples(ctx, w.c, w.store, w.model, keysOf(missing), client.CLIENT_WRITE_REQUEST_ON_DUPLICATE_WRITES_IGNORE); err == nil {
			return len(missing), len(chunk) - len(missing), nil
		}
	}
	return 0, 0, fmt.Errorf("writing %s and %d more: %s", chunk[0].At, len(chunk)-1, apiMessage(err))
}

// readers bounds the reads of one chunk in flight at once.
const readers = 8

// missing reads each tuple of chunk by its key and returns those the store
// does not have. A tuple the store has with another condition is an
// error: Bootstrap only adds, and the file says something else.
func (w tupleWriter) missing(ctx context.Context, chunk []Tuple) ([]Tuple, error) {
	found := make([]*openfga.TupleKey, len(chunk))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(readers)
	for i, t := range chunk {
		g.Go(func() error {
			resp, err := w.c.Read(ctx).
				Body(client.ClientReadRequest{User: &t.User, Relation: &t.Relation, Object: &t.Object}).
				Options(client.ClientReadOptions{StoreId: &w.store}).
				Execute()
			if err != nil {
				return fmt.Errorf("reading %s: %s", t, apiMessage(err))
			}
			if len(resp.Tuples) > 0 {
				found[i] = &resp.Tuples[0].Key
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var missing []Tuple
	for i, t := range chunk {
		switch {
		case found[i] == nil:
			missing = append(missing, t)
		case !sameCondition(found[i].Condition, t.Condition):
			return nil, fmt.Errorf("%s: the store has %s with %s, the file with %s; Bootstrap only adds tuples: delete the store's or change the file's",
				t.At, t, conditionText(found[i].Condition), conditionText(t.Condition))
		}
	}
	return missing, nil
}

// alreadyExists says whether a write failed because a tuple is already in
// the store (OpenFGA: "cannot write a tuple which already exists").
func alreadyExists(err error) bool {
	return apiCode(err) == "write_failed_due_to_invalid_input" && strings.Contains(apiMessage(err), "already exist")
}

// sameCondition compares conditions by name and context, a missing context
// being an empty one (the CSV's empty cell gives {}).
func sameCondition(a, b *openfga.RelationshipCondition) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Name == b.Name && reflect.DeepEqual(normalContext(a.Context), normalContext(b.Context))
}

// normalContext is the context as JSON reads it back (numbers as float64).
func normalContext(c *map[string]any) map[string]any {
	out := map[string]any{}
	if c == nil {
		return out
	}
	b, err := json.Marshal(*c)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		return *c
	}
	return out
}

func conditionText(c *openfga.RelationshipCondition) string {
	if c == nil {
		return "no condition"
	}
	b, _ := json.Marshal(normalContext(c.Context))
	return "condition " + c.Name + " " + string(b)
}
