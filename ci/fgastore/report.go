package fgastore

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Report is the outcome of a store file's tests, every assertion listed.
type Report struct {
	File  string       `json:"file"`
	Tests []TestReport `json:"tests"`
}

// TestReport is one test's assertions, in the file's order with the
// relations of each entry sorted.
type TestReport struct {
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Assertions  []Assertion `json:"assertions"`
}

// Kinds of assertion.
const (
	KindCheck       = "check"
	KindListObjects = "list_objects"
	KindListUsers   = "list_users"
)

// Assertion is one asked question and its answer. Want and Got are a bool
// for a check and a sorted list of objects or users for the others; Got
// is nil when the request failed (Error says why).
type Assertion struct {
	Kind       string         `json:"kind"`
	User       string         `json:"user,omitempty"`        // check, list_objects
	Relation   string         `json:"relation"`              //
	Object     string         `json:"object,omitempty"`      // check, list_users
	Type       string         `json:"type,omitempty"`        // list_objects
	UserFilter string         `json:"user_filter,omitempty"` // list_users: user or group#member
	Context    map[string]any `json:"context,omitempty"`
	Want       any            `json:"want"`
	Got        any            `json:"got"`
	Passed     bool           `json:"passed"`
	Error      string         `json:"error,omitempty"`
}

// Failed says whether any assertion of any test failed.
func (r Report) Failed() bool { return slices.ContainsFunc(r.Tests, TestReport.Failed) }

// Failed says whether any of the test's assertions failed.
func (t TestReport) Failed() bool {
	return slices.ContainsFunc(t.Assertions, func(a Assertion) bool { return !a.Passed })
}

// String reads as "user:carl owner document:specs: got true, want false";
// a list reads as "user:anne viewer document: got [document:a], want
// [document:a document:b] (missing document:b)".
func (a Assertion) String() string {
	var q string
	switch a.Kind {
	case KindCheck:
		q = a.User + " " + a.Relation + " " + a.Object
	case KindListObjects:
		q = a.User + " " + a.Relation + " " + a.Type
	case KindListUsers:
		q = a.UserFilter + " " + a.Relation + " " + a.Object
	}
	if len(a.Context) > 0 {
		b, _ := json.Marshal(a.Context)
		q += " with context " + string(b)
	}
	if a.Error != "" {
		return fmt.Sprintf("%s: error: %s", q, a.Error)
	}
	s := fmt.Sprintf("%s: got %s, want %s", q, show(a.Got), show(a.Want))
	if got, ok := a.Got.([]string); ok && !a.Passed {
		s += difference(got, a.Want.([]string))
	}
	return s
}

func show(v any) string {
	if l, ok := v.([]string); ok {
		return "[" + strings.Join(l, " ") + "]"
	}
	return fmt.Sprint(v)
}

// difference names what a list lacks and what it has too many of.
func difference(got, want []string) string {
	var missing, extra []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing "+strings.Join(missing, " "))
	}
	if len(extra) > 0 {
		parts = append(parts, "unexpected "+strings.Join(extra, " "))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// Text renders the report for a terminal: one line a test, each failing
// assertion under its test, and a summary:
//
//	FAIL owners (2/3 passing)
//	  check user:carl owner document:specs: got true, want false
//	PASS viewers (4/4 passing)
//	store.fga.yaml: 1/2 tests passing, 6/7 assertions passing
func (r Report) Text() string {
	var b strings.Builder
	testsPassed, total, passed := 0, 0, 0
	for _, t := range r.Tests {
		n := 0
		for _, a := range t.Assertions {
			if a.Passed {
				n++
			}
		}
		total, passed = total+len(t.Assertions), passed+n
		mark := "PASS"
		if t.Failed() {
			mark = "FAIL"
		} else {
			testsPassed++
		}
		fmt.Fprintf(&b, "%s %s (%d/%d passing)\n", mark, t.Name, n, len(t.Assertions))
		for _, a := range t.Assertions {
			if !a.Passed {
				fmt.Fprintf(&b, "  %s %s\n", a.Kind, a)
			}
		}
	}
	fmt.Fprintf(&b, "%s: %d/%d tests passing, %d/%d assertions passing\n", r.File, testsPassed, len(r.Tests), passed, total)
	return b.String()
}
