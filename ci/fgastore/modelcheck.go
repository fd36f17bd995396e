package fgastore

import (
	"fmt"
	"slices"
	"strings"

	openfgav1 "github.com/openfga/api/proto/openfga/v1"
	"github.com/openfga/language/pkg/go/utils"
)

// checkModel checks what the language package leaves to the server: that
// every type, relation and condition the model's relations name is
// defined. The server would refuse the model with no line to look at.
func (l *loader) checkModel(m *openfgav1.AuthorizationModel) {
	s := newSchema(m)
	for _, td := range m.GetTypeDefinitions() {
		for _, rel := range sortedKeys(td.GetRelations()) {
			for _, msg := range s.rewriteProblems(td, rel, td.GetRelations()[rel]) {
				l.add(l.relationPos(td, rel), "model", "%s#%s: %s", td.GetType(), rel, msg)
			}
		}
	}
}

// rewriteProblems checks the definition u of relation rel of td, or a
// part of it.
func (s schema) rewriteProblems(td *openfgav1.TypeDefinition, rel string, u *openfgav1.Userset) []string {
	var out []string
	switch r := u.GetUserset().(type) {
	case *openfgav1.Userset_This:
		for _, ref := range td.GetMetadata().GetRelations()[rel].GetDirectlyRelatedUserTypes() {
			out = append(out, s.referenceProblem(ref))
		}
	case *openfgav1.Userset_ComputedUserset:
		out = append(out, s.relationProblem(td.GetType(), r.ComputedUserset.GetRelation()))
	case *openfgav1.Userset_TupleToUserset:
		out = append(out, s.fromProblem(td, r.TupleToUserset.GetTupleset().GetRelation(), r.TupleToUserset.GetComputedUserset().GetRelation()))
	case *openfgav1.Userset_Union:
		for _, c := range r.Union.GetChild() {
			out = append(out, s.rewriteProblems(td, rel, c)...)
		}
	case *openfgav1.Userset_Intersection:
		for _, c := range r.Intersection.GetChild() {
			out = append(out, s.rewriteProblems(td, rel, c)...)
		}
	case *openfgav1.Userset_Difference:
		out = append(out, s.rewriteProblems(td, rel, r.Difference.GetBase())...)
		out = append(out, s.rewriteProblems(td, rel, r.Difference.GetSubtract())...)
	}
	return slices.DeleteFunc(out, func(p string) bool { return p == "" })
}

// referenceProblem checks a type restriction: [group#member with cond].
func (s schema) referenceProblem(r *openfgav1.RelationReference) string {
	p := s.typeProblem(r.GetType())
	if p == "" && r.GetRelation() != "" {
		p = s.relationProblem(r.GetType(), r.GetRelation())
	}
	if p == "" && r.GetCondition() != "" {
		p = s.conditionProblem(r.GetCondition())
	}
	return p
}

// fromProblem checks "computed from tupleset": tupleset is a relation of
// td, and some type it relates to has relation computed.
func (s schema) fromProblem(td *openfgav1.TypeDefinition, tupleset, computed string) string {
	if p := s.relationProblem(td.GetType(), tupleset); p != "" {
		return p
	}
	var types []string
	for _, r := range td.GetMetadata().GetRelations()[tupleset].GetDirectlyRelatedUserTypes() {
		if s.relationProblem(r.GetType(), computed) == "" {
			return ""
		}
		types = append(types, r.GetType())
	}
	return fmt.Sprintf("%q from %s: no type %s takes (%s) has relation %q", computed, tupleset, tupleset, list(types), computed)
}

// relationPos finds where relation rel of td is defined: the module its
// metadata names (or the type's), the "define rel" after the type's line.
func (l *loader) relationPos(td *openfgav1.TypeDefinition, rel string) Pos {
	file := td.GetMetadata().GetRelations()[rel].GetSourceInfo().GetFile()
	if file == "" {
		file = td.GetMetadata().GetSourceInfo().GetFile()
	}
	src, ok := l.sources[file]
	if !ok {
		return Pos{File: l.file}
	}
	lines := strings.Split(src.text, "\n")
	start := utils.GetTypeLineNumber(td.GetType(), lines)
	if start < 0 {
		start = max(0, utils.GetExtendedTypeLineNumber(td.GetType(), lines))
	}
	for i := start; i < len(lines); i++ {
		def, ok := strings.CutPrefix(strings.TrimSpace(lines[i]), "define "+rel)
		if ok && (strings.HasPrefix(def, ":") || strings.HasPrefix(def, " ")) {
			return src.pos(i, strings.Index(lines[i], "define "+rel)+len("define "))
		}
	}
	return src.pos(start, 0)
}
