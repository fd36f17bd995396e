package fgastore

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

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
	if r.TuplesWritten, r.TuplesPresent, err = addTuples(ctx, c, r.StoreID, r.AuthorizationModelID, r.StoreCreated, f.Tuples); err != nil {
		return r, fmt.Errorf("%s: the tuples of store %s: %w", f.Path, r.StoreID, err)
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

// addTuples writes the tuples the store does not have and counts those it
// has. A new store has none. Otherwise the store is read whole when it
// holds not many more tuples than the file (a redeploy then costs a page
// read per 100 tuples); when it holds more (the application's), each
// chunk is written as is and only a chunk the server says has a tuple
// already is read, tuple by tuple.
func addTuples(ctx context.Context, c *client.OpenFgaClient, store, model string, created bool, ts []Tuple) (written, present int, err error) {
	w := tupleWriter{c: c, store: store, model: model, have: map[string]openfga.TupleKey{}}
	if !created {
		if w.have, err = w.readAll(ctx, 2*len(ts)+maxTuplesPerWrite); err != nil {
			return 0, 0, err
		}
	}
	var mu sync.Mutex
	err = forChunks(ctx, ts, func(ctx context.Context, chunk []Tuple) error {
		wr, pr, err := w.add(ctx, chunk)
		mu.Lock()
		defer mu.Unlock()
		written, present = written+wr, present+pr
		return err
	})
	return written, present, err
}

// tupleWriter adds tuples to a store.
type tupleWriter struct {
	c            *client.OpenFgaClient
	store, model string
	have         map[string]openfga.TupleKey // the store's tuples by tupleKey; nil: not read
}

// readAll reads the store's tuples page by page, or gives up (nil) past
// limit of them.
func (w tupleWriter) readAll(ctx context.Context, limit int) (map[string]openfga.TupleKey, error) {
	have := map[string]openfga.TupleKey{}
	opts := client.ClientReadOptions{StoreId: &w.store, PageSize: openfga.PtrInt32(100)}
	for {
		page, err := w.c.Read(ctx).Body(client.ClientReadRequest{}).Options(opts).Execute()
		if err != nil {
			return nil, fmt.Errorf("reading the store's tuples: %s", apiMessage(err))
		}
		for _, t := range page.Tuples {
			have[t.Key.User+" "+t.Key.Relation+" "+t.Key.Object] = t.Key
		}
		switch {
		case page.ContinuationToken == "":
			return have, nil
		case len(have) > limit:
			return nil, nil
		}
		opts.ContinuationToken = &page.ContinuationToken
	}
}

// add writes the tuples of chunk the store does not have, with
// on_duplicate "ignore" so that a tuple the application writes meanwhile
// is no error. When the store was not read, it first writes the chunk as
// is, and reads which tuples exist only when the server says one does.
// A server older than 1.10 drops on_duplicate; then a tuple written
// meanwhile fails the write, and the chunk is read again.
func (w tupleWriter) add(ctx context.Context, chunk []Tuple) (written, present int, err error) {
	if w.have == nil {
		if err = writeTuples(ctx, w.c, w.store, w.model, keysOf(chunk), ""); err == nil {
			return len(chunk), 0, nil
		}
		if !alreadyExists(err) {
			return 0, 0, writeError(chunk, err)
		}
	}
	for range 3 {
		var missing []Tuple
		if missing, err = w.missing(ctx, chunk); err != nil {
			return 0, 0, err
		}
		if len(missing) == 0 {
			return 0, len(chunk), nil
		}
		err = writeTuples(ctx, w.c, w.store, w.model, keysOf(missing), client.CLIENT_WRITE_REQUEST_ON_DUPLICATE_WRITES_IGNORE)
		if err == nil {
			return len(missing), len(chunk) - len(missing), nil
		}
		if !alreadyExists(err) {
			break
		}
		w.have = nil // what was read is out of date: read this chunk again
	}
	return 0, 0, writeError(chunk, err)
}

func writeError(chunk []Tuple, err error) error {
	return fmt.Errorf("writing %s and %d more: %s", chunk[0].At, len(chunk)-1, apiMessage(err))
}

// missing returns the tuples of chunk the store does not have, from what
// was read of the store or else by reading each. A tuple the store has
// with another condition is an error: Bootstrap only adds, and the file
// says something else.
func (w tupleWriter) missing(ctx context.Context, chunk []Tuple) ([]Tuple, error) {
	found, err := w.lookUp(ctx, chunk)
	if err != nil {
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

// lookUp finds each tuple of chunk in the store by its key: nil where the
// store has none.
func (w tupleWriter) lookUp(ctx context.Context, chunk []Tuple) ([]*openfga.TupleKey, error) {
	found := make([]*openfga.TupleKey, len(chunk))
	if w.have != nil {
		for i, t := range chunk {
			if k, ok := w.have[tupleKey(t)]; ok {
				found[i] = &k
			}
		}
		return found, nil
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(writers)
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
	return found, g.Wait()
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
