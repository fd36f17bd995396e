package fgastore

import openfga "github.com/openfga/go-sdk"

// test converts tests[i], checking what needs no model: each check has one
// of user or users and one of object or objects (as the OpenFGA CLI
// requires), each list_users one user_filter (as the server requires).
func (l *loader) test(i int, y *testYAML) Test {
	t := Test{Name: y.Name, Description: y.Description, Tuples: l.tuples(y.Tuples, y.TupleFile, "tests", i)}
	for j, c := range y.Check {
		at := []any{"tests", i, "check", j}
		t.Checks = append(t.Checks, Check{
			Users:      l.oneOrMany(c.User, c.Users, "user", "users", at),
			Objects:    l.oneOrMany(c.Object, c.Objects, "object", "objects", at),
			Context:    c.Context,
			Assertions: c.Assertions,
			At:         l.pos(at...),
		})
	}
	for j, q := range y.ListObjects {
		at := []any{"tests", i, "list_objects", j}
		l.required(q.User, "user", at)
		l.required(q.Type, "type", at)
		t.ListObjects = append(t.ListObjects, ListObjects{
			User: q.User, Type: q.Type, Context: q.Context, Assertions: q.Assertions, At: l.pos(at...),
		})
	}
	for j, q := range y.ListUsers {
		at := []any{"tests", i, "list_users", j}
		l.required(q.Object, "object", at)
		var filter openfga.UserTypeFilter
		if len(q.UserFilter) != 1 {
			l.add(l.pos(append(at, "user_filter")...), field(append(at, "user_filter")...),
				"has %d entries; OpenFGA's ListUsers takes exactly one ({type: user} or {type: group, relation: member}): write one list_users entry per filter", len(q.UserFilter))
		} else {
			filter = q.UserFilter[0]
		}
		want := map[string][]string{}
		for rel, e := range q.Assertions {
			want[rel] = e.Users
		}
		t.ListUsers = append(t.ListUsers, ListUsers{
			Object: q.Object, Filter: filter, Context: q.Context, Assertions: want, At: l.pos(at...),
		})
	}
	return t
}

// oneOrMany is the list a check gives as one value (user) or several
// (users), refusing both and neither.
func (l *loader) oneOrMany(one string, many []string, oneKey, manyKey string, at []any) []string {
	switch {
	case one != "" && len(many) > 0:
		l.add(l.keyPos(manyKey, at...), field(at...), "has both %s and %s; keep one", oneKey, manyKey)
	case one != "":
		return []string{one}
	case len(many) > 0:
		return many
	default:
		l.add(l.pos(at...), field(at...), "has neither %s nor %s; add one", oneKey, manyKey)
	}
	return nil
}

func (l *loader) required(v, key string, at []any) {
	if v == "" {
		l.add(l.pos(at...), field(at...), "has no %s; add it", key)
	}
}
