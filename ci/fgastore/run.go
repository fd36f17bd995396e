package fgastore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	openfga "github.com/openfga/go-sdk"
	"github.com/openfga/go-sdk/client"
)

// testStoreName names the throwaway store of each test.
const testStoreName = "fgastore test"

// RunTests runs the file's tests against the OpenFGA at e as `fga model
// test` does: each test gets a store of its own with the file's model, the
// global tuples and the test's own, its checks, list_objects and
// list_users are asked, and the store is deleted. An assertion whose
// request fails is a failing assertion; a test whose store cannot be set
// up (the server refuses the model or a tuple, or cannot be reached) ends
// the run with an error.
func RunTests(ctx context.Context, e Endpoint, f *File) (Report, error) {
	r := Report{File: f.Path}
	c, err := e.client()
	if err != nil {
		return r, err
	}
	for _, t := range f.Tests {
		tr, err := runTest(ctx, c, f, &t)
		if err != nil {
			return r, fmt.Errorf("%s: test %q: %w", f.Path, t.Name, err)
		}
		r.Tests = append(r.Tests, tr)
	}
	return r, nil
}

func runTest(ctx context.Context, c *client.OpenFgaClient, f *File, t *Test) (TestReport, error) {
	tr := TestReport{Name: t.Name, Description: t.Description, Assertions: []Assertion{}}
	store, err := c.CreateStore(ctx).Body(client.ClientCreateStoreRequest{Name: testStoreName}).Execute()
	if err != nil {
		return tr, fmt.Errorf("creating the test's store: %s", apiMessage(err))
	}
	defer deleteStore(ctx, c, store.Id)
	model, err := writeModel(ctx, c, store.Id, f.Model)
	if err != nil {
		return tr, fmt.Errorf("the server refused the model: %s", apiMessage(err))
	}
	tuples := append(slices.Clone(f.Tuples), t.Tuples...)
	if err := writeTuples(ctx, c, store.Id, model, keysOf(tuples), ""); err != nil {
		return tr, fmt.Errorf("the server refused the tuples: %s", apiMessage(err))
	}
	q := asker{c: c, opts: target{store: store.Id, model: model}}
	for _, ch := range t.Checks {
		for _, u := range ch.Users {
			for _, o := range ch.Objects {
				for _, rel := range sortedKeys(ch.Assertions) {
					tr.Assertions = append(tr.Assertions, q.check(ctx, u, rel, o, ch.Context, ch.Assertions[rel]))
				}
			}
		}
	}
	for _, lo := range t.ListObjects {
		for _, rel := range sortedKeys(lo.Assertions) {
			tr.Assertions = append(tr.Assertions, q.listObjects(ctx, lo, rel))
		}
	}
	for _, lu := range t.ListUsers {
		for _, rel := range sortedKeys(lu.Assertions) {
			tr.Assertions = append(tr.Assertions, q.listUsers(ctx, lu, rel))
		}
	}
	return tr, nil
}

func writeModel(ctx context.Context, c *client.OpenFgaClient, store string, m openfga.AuthorizationModel) (string, error) {
	resp, err := c.WriteAuthorizationModel(ctx).Body(client.ClientWriteAuthorizationModelRequest{
		TypeDefinitions: m.TypeDefinitions, SchemaVersion: m.SchemaVersion, Conditions: m.Conditions,
	}).Options(client.ClientWriteAuthorizationModelOptions{StoreId: &store}).Execute()
	if err != nil {
		return "", err
	}
	return resp.AuthorizationModelId, nil
}

// deleteStore removes a test's store, also when the run was cancelled: a
// cancelled gate should not leave its stores on a shared server.
func deleteStore(ctx context.Context, c *client.OpenFgaClient, store string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, _ = c.DeleteStore(ctx).Options(client.ClientDeleteStoreOptions{StoreId: &store}).Execute()
}

type target struct{ store, model string }

// asker asks one store and model and turns each answer into an Assertion.
type asker struct {
	c    *client.OpenFgaClient
	opts target
}

func (q asker) check(ctx context.Context, user, rel, object string, cx map[string]any, want bool) Assertion {
	a := Assertion{Kind: KindCheck, User: user, Relation: rel, Object: object, Context: cx, Want: want}
	resp, err := q.c.Check(ctx).
		Body(client.ClientCheckRequest{User: user, Relation: rel, Object: object, Context: ptrMap(cx)}).
		Options(client.ClientCheckOptions{StoreId: &q.opts.store, AuthorizationModelId: &q.opts.model}).
		Execute()
	if err != nil {
		a.Error = apiMessage(err)
		return a
	}
	a.Got = resp.GetAllowed()
	a.Passed = a.Got == want
	return a
}

func (q asker) listObjects(ctx context.Context, lo ListObjects, rel string) Assertion {
	a := Assertion{Kind: KindListObjects, User: lo.User, Relation: rel, Type: lo.Type, Context: lo.Context, Want: sorted(lo.Assertions[rel])}
	resp, err := q.c.ListObjects(ctx).
		Body(client.ClientListObjectsRequest{User: lo.User, Relation: rel, Type: lo.Type, Context: ptrMap(lo.Context)}).
		Options(client.ClientListObjectsOptions{StoreId: &q.opts.store, AuthorizationModelId: &q.opts.model}).
		Execute()
	if err != nil {
		a.Error = apiMessage(err)
		return a
	}
	return a.compare(resp.GetObjects())
}

func (q asker) listUsers(ctx context.Context, lu ListUsers, rel string) Assertion {
	filter := lu.Filter.Type
	if lu.Filter.Relation != nil {
		filter += "#" + *lu.Filter.Relation
	}
	a := Assertion{Kind: KindListUsers, Relation: rel, Object: lu.Object, UserFilter: filter, Context: lu.Context, Want: sorted(lu.Assertions[rel])}
	objType, objID, _ := strings.Cut(lu.Object, ":")
	resp, err := q.c.ListUsers(ctx).
		Body(client.ClientListUsersRequest{
			Object: openfga.FgaObject{Type: objType, Id: objID}, Relation: rel,
			UserFilters: []openfga.UserTypeFilter{lu.Filter}, Context: ptrMap(lu.Context),
		}).
		Options(client.ClientListUsersOptions{StoreId: &q.opts.store, AuthorizationModelId: &q.opts.model}).
		Execute()
	if err != nil {
		a.Error = apiMessage(err)
		return a
	}
	var users []string
	for _, u := range resp.GetUsers() {
		users = append(users, userString(u))
	}
	return a.compare(users)
}

// compare sets Got and Passed: the lists are equal as the CLI compares
// them, in any order but with as many of each.
func (a Assertion) compare(got []string) Assertion {
	g := sorted(got)
	a.Got, a.Passed = g, slices.Equal(g, a.Want.([]string))
	return a
}

// userString writes a ListUsers user as a store file does: user:anne,
// group:eng#member, user:*.
func userString(u openfga.User) string {
	switch {
	case u.Object != nil:
		return u.Object.Type + ":" + u.Object.Id
	case u.Userset != nil:
		return u.Userset.Type + ":" + u.Userset.Id + "#" + u.Userset.Relation
	case u.Wildcard != nil:
		return u.Wildcard.Type + ":*"
	}
	return ""
}

func sorted(l []string) []string {
	s := append([]string{}, l...)
	slices.Sort(s)
	return s
}

func ptrMap(m map[string]any) *map[string]any {
	if m == nil {
		return nil
	}
	return &m
}
