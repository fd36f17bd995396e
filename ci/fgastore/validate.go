package fgastore

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	openfgav1 "github.com/openfga/api/proto/openfga/v1"
	"github.com/openfga/language/pkg/go/utils"
	"github.com/openfga/language/pkg/go/validation"
)

// schema answers what the model defines, so that a tuple or an assertion
// naming a type or relation the model does not have is reported with its
// line before anything is sent (the server would only say "invalid").
type schema struct {
	types      map[string]*openfgav1.TypeDefinition
	conditions map[string]*openfgav1.Condition
}

func newSchema(m *openfgav1.AuthorizationModel) schema {
	s := schema{types: map[string]*openfgav1.TypeDefinition{}, conditions: m.GetConditions()}
	for _, td := range m.GetTypeDefinitions() {
		s.types[td.GetType()] = td
	}
	return s
}

// typeProblem says what is wrong with type t, or "".
func (s schema) typeProblem(t string) string {
	if _, ok := s.types[t]; ok {
		return ""
	}
	return fmt.Sprintf("type %q is not in the model; its types are %s", t, list(slices.Collect(maps.Keys(s.types))))
}

// relationProblem says what is wrong with relation rel of type t, or "".
func (s schema) relationProblem(t, rel string) string {
	if p := s.typeProblem(t); p != "" {
		return p
	}
	rels := s.types[t].GetRelations()
	if _, ok := rels[rel]; ok {
		return ""
	}
	if len(rels) == 0 {
		return fmt.Sprintf("type %s has no relations, so not %q; add it to the model or use another type", t, rel)
	}
	return fmt.Sprintf("type %s has no relation %q; its relations are %s", t, rel, list(slices.Collect(maps.Keys(rels))))
}

// The language package's rules for objects and users, compiled once: its
// Validate functions compile them on every call, which took seconds for
// 10,000 tuples.
var (
	objectRule   = regexp.MustCompile(fmt.Sprintf("^%s:%s$", validation.RuleType, validation.RuleID))
	objectLength = regexp.MustCompile(fmt.Sprintf("^%s$", validation.RuleObject))
	usersetRule  = regexp.MustCompile(fmt.Sprintf("^%s:%s#%s$", validation.RuleType, validation.RuleID, validation.RuleRelation))
	wildcardRule = regexp.MustCompile(fmt.Sprintf("^%s:\\*$", validation.RuleType))
)

func validObject(s string) bool { return objectRule.MatchString(s) && objectLength.MatchString(s) }

func validUser(s string) bool {
	return usersetRule.MatchString(s) || validObject(s) || wildcardRule.MatchString(s)
}

// conditionProblem says what is wrong with condition name, or "".
func (s schema) conditionProblem(name string) string {
	switch _, ok := s.conditions[name]; {
	case ok:
		return ""
	case len(s.conditions) == 0:
		return fmt.Sprintf("condition %q is not in the model, which has no conditions", name)
	}
	return fmt.Sprintf("condition %q is not in the model; its conditions are %s", name, list(sortedKeys(s.conditions)))
}

// objectProblem checks an object "type:id".
func (s schema) objectProblem(object string) string {
	t, _, ok := strings.Cut(object, ":")
	if !ok || !validObject(object) {
		return fmt.Sprintf("%q is not an object written type:id (as in document:roadmap)", object)
	}
	return s.typeProblem(t)
}

// userProblem checks a user: "type:id", "type:*" or "type:id#relation".
func (s schema) userProblem(user string) string {
	if !validUser(user) {
		return fmt.Sprintf("%q is not a user written type:id, type:* or type:id#relation (as in user:anne, user:*, group:eng#member)", user)
	}
	t, rest, _ := strings.Cut(user, ":")
	if _, rel, ok := strings.Cut(rest, "#"); ok {
		return s.relationProblem(t, rel)
	}
	return s.typeProblem(t)
}

// tupleProblem checks a tuple: its object, relation and user exist, the
// relation takes tuples at all, and its type restrictions ([user,
// group#member, user with cond]) admit this user with this condition.
// part is the tuple field at fault.
func (s schema) tupleProblem(t Tuple) (part, msg string) {
	if p := s.objectProblem(t.Object); p != "" {
		return "object", p
	}
	objType, _, _ := strings.Cut(t.Object, ":")
	if p := s.relationProblem(objType, t.Relation); p != "" {
		return "relation", p
	}
	if p := s.userProblem(t.User); p != "" {
		return "user", p
	}
	if c := t.Condition; c != nil {
		if p := s.conditionProblem(c.Name); p != "" {
			return "condition", p
		}
	}
	td := s.types[objType]
	if !utils.IsRelationAssignable(td.GetRelations()[t.Relation]) {
		return "relation", fmt.Sprintf("%s#%s takes no tuples: the model defines it only through other relations; write the tuple for a relation it is made of", objType, t.Relation)
	}
	meta, ok := td.GetMetadata().GetRelations()[t.Relation]
	if !ok {
		return "", "" // a model without type restrictions (schema 1.0): the server decides
	}
	allowed := meta.GetDirectlyRelatedUserTypes()
	cond := ""
	if t.Condition != nil {
		cond = t.Condition.Name
	}
	if slices.ContainsFunc(allowed, func(r *openfgav1.RelationReference) bool { return admits(r, t.User, cond) }) {
		return "", ""
	}
	var names []string
	for _, r := range allowed {
		names = append(names, restriction(r))
	}
	with := " with condition " + cond
	if cond == "" {
		with = " without a condition"
	}
	return "user", fmt.Sprintf("%s#%s does not take %s%s; it takes %s", objType, t.Relation, t.User, with, strings.Join(names, ", "))
}

// admits says whether type restriction r allows user with condition cond
// (cond "" for none).
func admits(r *openfgav1.RelationReference, user, cond string) bool {
	t, rest, _ := strings.Cut(user, ":")
	id, rel, isSet := strings.Cut(rest, "#")
	switch {
	case r.GetType() != t || r.GetCondition() != cond:
		return false
	case r.GetWildcard() != nil:
		return id == "*" && !isSet
	case r.GetRelation() != "":
		return isSet && r.GetRelation() == rel
	}
	return !isSet && id != "*"
}

// restriction writes r as the DSL does: user, user:*, group#member, user
// with cond.
func restriction(r *openfgav1.RelationReference) string {
	s := r.GetType()
	switch {
	case r.GetWildcard() != nil:
		s += ":*"
	case r.GetRelation() != "":
		s += "#" + r.GetRelation()
	}
	if r.GetCondition() != "" {
		s += " with " + r.GetCondition()
	}
	return s
}

func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// checkTuples checks each tuple of global and then of own against the
// model, and that no tuple is written twice into one store (the server
// refuses the write). Global tuples are checked once, with own nil.
func (l *loader) checkTuples(s schema, global, own []Tuple) {
	seen := map[string]Tuple{}
	for _, t := range global {
		seen[tupleKey(t)] = t
	}
	check := own
	if own == nil {
		check, seen = global, map[string]Tuple{}
	}
	for _, t := range check {
		if part, msg := s.tupleProblem(t); msg != "" {
			at := t.At
			if t.partPos != nil && part != "" {
				at = t.partPos(part)
			}
			l.add(at, joinField(t.field, part), "%s", msg)
		}
		if first, ok := seen[tupleKey(t)]; ok {
			l.add(t.At, t.field, "the tuple %s is already at %s; a store holds a tuple once: remove one", t, first.At)
			continue
		}
		seen[tupleKey(t)] = t
	}
}

// tupleKey is what makes a tuple the same tuple to OpenFGA: its user,
// relation and object (not its condition).
func tupleKey(t Tuple) string { return t.User + " " + t.Relation + " " + t.Object }

func joinField(f, part string) string {
	switch {
	case f == "":
		return part
	case part == "":
		return f
	}
	return f + "." + part
}

// checkAssertions checks the users, objects, types and relations of test
// i's assertions against the model.
func (l *loader) checkAssertions(s schema, i int, t *Test) {
	report := func(at []any, msg string) {
		if msg != "" {
			l.add(l.pos(at...), field(at...), "%s", msg)
		}
	}
	for j, c := range t.Checks {
		at := []any{"tests", i, "check", j}
		for _, u := range c.Users {
			report(append(at, "user"), s.userProblem(u))
		}
		for _, o := range c.Objects {
			report(append(at, "object"), s.objectProblem(o))
			objType, _, _ := strings.Cut(o, ":")
			for _, rel := range sortedKeys(c.Assertions) {
				if s.typeProblem(objType) == "" {
					report(append(at, "assertions", rel), s.relationProblem(objType, rel))
				}
			}
		}
	}
	for j, q := range t.ListObjects {
		at := []any{"tests", i, "list_objects", j}
		report(append(at, "user"), s.userProblem(q.User))
		report(append(at, "type"), s.typeProblem(q.Type))
		for _, rel := range sortedKeys(q.Assertions) {
			if s.typeProblem(q.Type) == "" {
				report(append(at, "assertions", rel), s.relationProblem(q.Type, rel))
			}
		}
	}
	for j, q := range t.ListUsers {
		at := []any{"tests", i, "list_users", j}
		report(append(at, "object"), s.objectProblem(q.Object))
		if q.Filter.Type != "" {
			msg := s.typeProblem(q.Filter.Type)
			if msg == "" && q.Filter.Relation != nil {
				msg = s.relationProblem(q.Filter.Type, *q.Filter.Relation)
			}
			report(append(at, "user_filter", 0), msg)
		}
		objType, _, _ := strings.Cut(q.Object, ":")
		for _, rel := range sortedKeys(q.Assertions) {
			if s.typeProblem(objType) == "" {
				report(append(at, "assertions", rel), s.relationProblem(objType, rel))
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
