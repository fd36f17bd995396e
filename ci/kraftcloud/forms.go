package kraftcloud

import (
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// An operation whose request form differs between the published sources
// (the v1 spec, the 2024 spec, the SDKs) is a list of calls, newest form
// first. The client sends the form that worked last (the first one at
// the start) and moves to the next only when the platform says it does
// not understand the request; a form that worked is kept for the client's
// life. A request that was understood and refused is not sent again in
// another form: its refusal is the answer.

// formsWorked remembers, per operation, the index of the form that worked.
type formsWorked struct {
	mu sync.Mutex
	m  map[string]int
}

func (f *formsWorked) get(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.m[op]
}

func (f *formsWorked) set(op string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[op] = n
}

// doForms runs one operation through its forms (see above).
func doForms[T api.Item](c *Client, op string, forms []call, run func(call) ([]T, error)) ([]T, error) {
	start := c.forms.get(op)
	var first error
	for i := range forms {
		n := (start + i) % len(forms)
		items, err := run(forms[n])
		if err == nil || !notUnderstood(err) {
			if n != start {
				c.forms.set(op, n)
			}
			return items, err
		}
		if first == nil {
			first = err
		}
		c.logf("kraftcloud: %s: the platform does not take this form (%v); trying the next one", forms[n].op, err)
	}
	return nil, first
}

// notUnderstood reports an answer that says the request's form is not
// what the platform takes: no such endpoint or method, or a body it could
// not read. It is never a transport failure or a 5xx, whose request may
// have been carried out.
func notUnderstood(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		switch he.StatusCode {
		case http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented, http.StatusUnprocessableEntity:
			return true
		}
		return false
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Code {
	case api.ErrWrongMethod, api.ErrNoAPIEndpoint, api.ErrMalformedRequest, api.ErrNotSupported, api.ErrInvalid:
		return true
	}
	switch ae.HTTPStatus {
	case http.StatusMethodNotAllowed, http.StatusNotImplemented, http.StatusUnprocessableEntity:
		return true
	case http.StatusBadRequest:
		return true
	case http.StatusNotFound:
		return noEndpoint(ae.Message)
	}
	return false
}

// noEndpoint: a 404 about the path, not about the object asked for.
func noEndpoint(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "endpoint") || strings.Contains(m, "route") || strings.Contains(m, "method") || strings.Contains(m, "path")
}
