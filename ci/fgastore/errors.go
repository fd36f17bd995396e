package fgastore

import (
	"errors"
	"fmt"
	"strings"
)

// Pos is a place in a file, 1-based as editors show it. Line or Column 0
// means unknown.
type Pos struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Error is one problem in a store file or a file it names: where it is, the
// field (tests[2].check[0].assertions), and what is wrong and how to fix it.
type Error struct {
	Pos   Pos
	Field string
	Msg   string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Pos.String() + ": " + e.Msg
	}
	return e.Pos.String() + ": " + e.Field + ": " + e.Msg
}

// maxErrors bounds how many problems one Load reports: past that the
// rest are usually the same mistake repeated.
const maxErrors = 20

// problems collects the errors of one Load, so a user fixes a file in one
// pass instead of one error per run.
type problems struct {
	list []error
	seen map[string]bool // the same problem found twice is reported once
	more int
}

func (p *problems) add(pos Pos, field, format string, args ...any) {
	p.addErr(&Error{Pos: pos, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// addErr adds err, or each of the errors it joins.
func (p *problems) addErr(err error) {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		for _, e := range j.Unwrap() {
			p.addErr(e)
		}
		return
	}
	if p.seen[err.Error()] {
		return
	}
	if len(p.list) == maxErrors {
		p.more++
		return
	}
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	p.seen[err.Error()] = true
	p.list = append(p.list, err)
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	if p.more > 0 {
		p.list = append(p.list, fmt.Errorf("and %d more problems", p.more))
	}
	return errors.Join(p.list...)
}

// field builds a field path like tests[2].check[0].assertions from keys
// (string) and list indexes (int).
func field(path ...any) string {
	var b strings.Builder
	for _, e := range path {
		switch e := e.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", e)
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, e)
		}
	}
	return b.String()
}
