package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Refusal is a request the platform does not carry out, as it answers
// it: the HTTP status (400 for a body or query it refuses, 404 for an
// endpoint it does not have, 405 for a known path with another method),
// the top-level message, and for a body of items the refused items with
// their per-item codes.
type Refusal struct {
	Status  int
	Code    ErrorCode // the code of the refused item(s)
	Message string
	// Items are the refused items of the body: Index is the item's place
	// in the array (0 for a single object); UUID and Name echo the item's.
	Items []RefusedItem
	// Kind is the "data" key the items go under ("" for no items).
	Kind string
}

// RefusedItem is one refused item of a request body.
type RefusedItem struct {
	Index      int
	UUID, Name string
	Message    string
	Code       ErrorCode
}

func (r *Refusal) Error() string { return fmt.Sprintf("%d: %s", r.Status, r.Message) }

// Match returns the form of d that serves method and path, with the
// path's {uuid} and {name} segments, or the refusal of a request to no
// form of d: 404 "No API endpoint", or 405 for a path d knows under
// another method.
func Match(d Dialect, method, path string) (*Form, map[string]string, *Refusal) {
	f, params, known := match(d, method, path)
	switch {
	case f != nil:
		return f, params, nil
	case known:
		return nil, nil, &Refusal{Status: http.StatusMethodNotAllowed, Code: ErrWrongMethod,
			Message: "Method " + method + " not allowed for " + path}
	}
	return nil, nil, &Refusal{Status: http.StatusNotFound, Code: ErrNoAPIEndpoint,
		Message: "No API endpoint " + method + " " + path}
}

// Check is what the simulator does with every API request before serving
// it, and what a test elsewhere can run a golden request through: it
// finds the form of dialect d for method and path and checks the path's
// UUID, the query parameters and the JSON body against that form's
// description. It returns nil or a *Refusal.
func Check(d Dialect, method, path string, query url.Values, body []byte) error {
	f, params, ref := Match(d, method, path)
	if ref != nil {
		return ref
	}
	if ref := f.Check(params, query, body); ref != nil {
		return ref
	}
	return nil
}

// Check checks a request to this form: its path parameters (as Match
// returned them), query and body.
func (f *Form) Check(params map[string]string, query url.Values, body []byte) *Refusal {
	if id, ok := params["uuid"]; ok && !uuidRE.MatchString(id) {
		return f.refuse(&fieldError{path: "uuid", why: fmt.Sprintf("%q is not a UUID", id), code: ErrInvalid}, -1, nil)
	}
	if err := f.checkQuery(query); err != nil {
		return f.refuse(err, -1, nil)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		if f.body != nil && !f.listing {
			return f.refuse(&fieldError{why: "a request body is required", code: ErrMalformedRequest}, -1, nil)
		}
		return nil
	}
	if f.body == nil {
		return f.refuse(&fieldError{why: "this endpoint takes no request body", code: ErrMalformedRequest}, -1, nil)
	}
	v, err := decode(body)
	if err != nil {
		return f.refuse(&fieldError{why: "malformed JSON: " + err.Error(), code: ErrMalformedRequest}, -1, nil)
	}
	if e := f.body.validate(v); e != nil {
		return f.refuse(e, itemIndex(f, e), v)
	}
	return nil
}

// itemIndex is the index of the item an error is in: [i] for a batch,
// 0 for a single object.
func itemIndex(f *Form, e *fieldError) int {
	if !f.Batch() {
		return 0
	}
	if !strings.HasPrefix(e.path, "[") {
		return -1 // the body itself
	}
	i, err := strconv.Atoi(e.path[1:strings.Index(e.path, "]")])
	if err != nil {
		return -1
	}
	return i
}

// refuse builds the 400 refusal of a request whose item index (or -1,
// the request as a whole) failed.
func (f *Form) refuse(e *fieldError, index int, body any) *Refusal {
	r := &Refusal{Status: http.StatusBadRequest, Code: e.code, Message: "Invalid request: " + e.Error()}
	if index < 0 || f.Kind == "" || f.answer == nil || !f.ItemHas("error") {
		return r // v1's Image, say, has no per-item error to carry
	}
	item, _ := body.(map[string]any)
	if list, ok := body.([]any); ok && index < len(list) {
		item, _ = list[index].(map[string]any)
	}
	e.path = strings.TrimPrefix(strings.TrimPrefix(e.path, fmt.Sprintf("[%d]", index)), ".")
	r.Kind = f.Kind
	r.Items = []RefusedItem{{Index: index, UUID: strOf(item, "uuid"), Name: strOf(item, "name"), Message: e.Error(), Code: e.code}}
	return r
}

// checkQuery checks each query parameter against the form's.
func (f *Form) checkQuery(q url.Values) *fieldError {
	for _, k := range sortedKeys(asAny(q)) {
		s, ok := f.query[k]
		if !ok {
			return &fieldError{path: k, why: "unknown query parameter", code: ErrMalformedRequest}
		}
		vals := q[k]
		if s.kind != kArray && len(vals) > 1 {
			return &fieldError{path: k, why: "given more than once", code: ErrMalformedRequest}
		}
		item := s
		if s.kind == kArray {
			item = s.items
		}
		for _, raw := range vals {
			if err := item.validate(queryValue(item, raw)); err != nil {
				return err.at(k)
			}
		}
	}
	return nil
}

// queryValue reads a query string value as the JSON value of its type.
func queryValue(s *schema, raw string) any {
	switch s.kind {
	case kBoolean:
		if b, err := strconv.ParseBool(raw); err == nil {
			return b
		}
	case kInteger:
		if _, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return json.Number(raw)
		}
	}
	return raw
}

func asAny(q url.Values) map[string]any {
	m := make(map[string]any, len(q))
	for k, v := range q {
		m[k] = v
	}
	return m
}
