package kraftcloud

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// APIError is a failure the API reported in its envelope: a per-item
// error (Code is meaningful), or a top-level "error" status or "errors"
// entry (HTTPStatus may then say why, e.g. 401).
type APIError struct {
	Op         string        // what we were doing, e.g. "get instance openfga"
	Code       api.ErrorCode // per-item code; ErrUnknownError if none was given
	Message    string        // the API's message, verbatim
	HTTPStatus int           // the HTTP status of the answer
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kraftcloud: %s: %s (code %d)", e.Op, e.Code, int32(e.Code))
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.HTTPStatus != 0 && e.HTTPStatus != http.StatusOK {
		fmt.Fprintf(&b, " [HTTP %d]", e.HTTPStatus)
	}
	return b.String()
}

// Is lets errors.Is(err, api.ErrNotFound)-style checks work through
// CodeError values: errors.Is(err, kraftcloud.CodeError(api.ErrNotFound)).
func (e *APIError) Is(target error) bool {
	c, ok := target.(CodeError)
	return ok && e.Code == api.ErrorCode(c)
}

// CodeError is a comparable sentinel for one API error code.
type CodeError api.ErrorCode

func (c CodeError) Error() string { return "kraftcloud: " + api.ErrorCode(c).String() }

// Sentinels for the codes callers branch on.
var (
	ErrNotFound      error = CodeError(api.ErrNotFound)
	ErrAlreadyExists error = CodeError(api.ErrAlreadyExists)
	ErrQuota         error = CodeError(api.ErrQuota)
	ErrTimedOut      error = CodeError(api.ErrTimedOut)
)

// HasCode reports whether err carries the API error code.
func HasCode(err error, code api.ErrorCode) bool {
	var e *APIError
	return errors.As(err, &e) && e.Code == code
}

// HTTPError is a non-2xx answer without a usable envelope (a gateway page,
// a proxy error). Body is a short, token-scrubbed excerpt.
type HTTPError struct {
	Op         string
	StatusCode int
	Body       string
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("kraftcloud: %s: HTTP %d %s", e.Op, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// TransportError is a failure before an answer arrived (DNS, TLS,
// connection, timeout). Its message names the method and path only, never
// the full request or its headers, and is scrubbed of the token.
type TransportError struct {
	Op     string
	Method string
	Path   string
	Err    error // the cause, with any *url.Error unwrapped
	msg    string
}

func (e *TransportError) Error() string { return e.msg }
func (e *TransportError) Unwrap() error { return e.Err }

// Timeout reports whether the failure was a timeout.
func (e *TransportError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.Err, &t) && t.Timeout()
}

// timedOut reports a wait that ended before the state was reached, in
// any of the shapes the sources allow: a per-item TimedOut (code 12, the
// SDKs' and kraftkit's), a 408, or a top-level message without items
// ("the request will fail with an error", the v1 spec says, naming no code).
func timedOut(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	if ae.Code == api.ErrTimedOut || ae.HTTPStatus == http.StatusRequestTimeout {
		return true
	}
	m := strings.ToLower(ae.Message)
	return ae.Code == api.ErrUnknownError && (strings.Contains(m, "timed out") || strings.Contains(m, "timeout"))
}

// absent reports "no such object (yet)" in any of the shapes the sources
// allow: a per-item NotFound (code 8), a 404 envelope about the object
// (not about the path), or a top-level message without items in an
// otherwise ordinary answer (the v1 spec's image look-up says "No images
// found" that way; its Image items carry no status of their own).
func absent(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return errors.Is(err, ErrEmptyAnswer)
	}
	switch {
	case ae.Code == api.ErrNotFound:
		return true
	case ae.Code != api.ErrUnknownError:
		return false
	case ae.HTTPStatus == http.StatusNotFound:
		return !noEndpoint(ae.Message)
	}
	return ae.HTTPStatus < 300 && ae.Message != ""
}

// errorText is the platform's own words in err, for a re-typed error.
func errorText(err error) string {
	var ae *APIError
	if errors.As(err, &ae) && ae.Message != "" {
		return ae.Message
	}
	return err.Error()
}
