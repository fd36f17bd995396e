package sim

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// apiHandler is the REST API: bearer auth, fault switches, and the
// endpoint table of the OpenAPI spec. Every answer is the documented
// envelope; per-item failures are items with status "error", a message and
// a numeric code, in an HTTP 200 answer, so a client must read each item's
// status, not only the HTTP status.
func (s *Sim) apiHandler() http.Handler {
	mux := http.NewServeMux()
	routes := map[string]http.HandlerFunc{
		"GET /v1/healthz": func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]string{"status": "success"})
		},

		"POST /v1/instances":             s.handleCreateInstance,
		"GET /v1/instances":              s.handleGetInstances,
		"GET /v1/instances/{uuid}":       s.handleGetInstances,
		"DELETE /v1/instances":           s.handleDeleteInstances,
		"DELETE /v1/instances/{uuid}":    s.handleDeleteInstances,
		"PUT /v1/instances/start":        s.handleStartInstances,
		"PUT /v1/instances/{uuid}/start": s.handleStartInstances,
		"PUT /v1/instances/stop":         s.handleStopInstances,
		"PUT /v1/instances/{uuid}/stop":  s.handleStopInstances,
		"GET /v1/instances/wait":         s.handleWaitInstances,
		"GET /v1/instances/{uuid}/wait":  s.handleWaitInstances,
		"PUT /v1/instances/wait":         s.handleWaitInstances, // legacy 2024 spec
		"PUT /v1/instances/{uuid}/wait":  s.handleWaitInstances,
		"GET /v1/instances/log":          s.handleLogs,
		"GET /v1/instances/{uuid}/log":   s.handleLogs,
		"GET /v1/instances/logs":         s.handleLogs, // newer prose docs
		"GET /v1/instances/{uuid}/logs":  s.handleLogs,
		"POST /v1/services":              s.handleCreateServiceGroups,
		"GET /v1/services":               s.handleGetServiceGroups,
		"GET /v1/services/{uuid}":        s.handleGetServiceGroups,
		"DELETE /v1/services":            s.handleDeleteServiceGroups,
		"DELETE /v1/services/{uuid}":     s.handleDeleteServiceGroups,
		"POST /v1/volumes":               s.handleCreateVolumes,
		"GET /v1/volumes":                s.handleGetVolumes,
		"GET /v1/volumes/{uuid}":         s.handleGetVolumes,
		"DELETE /v1/volumes":             s.handleDeleteVolumes,
		"DELETE /v1/volumes/{uuid}":      s.handleDeleteVolumes,
		"PUT /v1/volumes/attach":         s.handleAttachVolumes,
		"PUT /v1/volumes/{uuid}/attach":  s.handleAttachVolumes,
		"PUT /v1/volumes/detach":         s.handleDetachVolumes,
		"PUT /v1/volumes/{uuid}/detach":  s.handleDetachVolumes,
		"GET /v1/images/list":            s.handleListImages,
		"GET /v1/images":                 s.handleListImages,
		"GET /v1/images/tag/{ref...}":    s.handleImageByRef,
		"GET /v1/images/digest/{ref...}": s.handleImageByRef,
		"GET /v1/users/quotas":           s.handleQuotas,
		"GET /v1/users/{uuid}/quotas":    s.handleQuotas,
		"/_sim/faults":                   s.faultsHandler,
		"/":                              notFound,
	}
	for pattern, h := range routes {
		mux.HandleFunc(pattern, h)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/") && s.faults.apply(w, r) {
			return
		}
		if !s.authorized(r) {
			writeEnvelopeError(w, http.StatusUnauthorized, "Unauthorized: missing or invalid bearer token")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// authorized checks "Authorization: Bearer <token>", the API's only
// authentication.
func (s *Sim) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.opts.Token)) == 1
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeEnvelopeError(w, http.StatusNotFound, "No API endpoint "+r.Method+" "+r.URL.Path)
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeEnvelopeError answers a request-level failure: top-level status
// "error" with an "errors" entry carrying the HTTP status.
func writeEnvelopeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, api.Response[api.Instance]{
		Status: api.StatusError, Message: msg,
		Errors: []api.ResponseError{{Status: code, Message: msg}},
	})
}

// respond answers the items of one kind with the documented envelope.
func respond[T api.Item](w http.ResponseWriter, start time.Time, kind api.Kind, items []T) {
	if items == nil {
		items = []T{}
	}
	resp := api.NewResponse(kind, items...)
	resp.OpTimeUs = max(time.Since(start).Microseconds(), 1)
	writeJSON(w, http.StatusOK, resp)
}

// itemError is the ItemStatus of a failed item.
func itemError(code api.ErrorCode, format string, args ...any) api.ItemStatus {
	return api.ItemStatus{Status: api.StatusError, Error: code, Message: fmt.Sprintf(format, args...)}
}

var success = api.ItemStatus{Status: api.StatusSuccess}

// decodeItems reads a batch body: a JSON array of items, or (leniently) a
// single object. An empty body gives no items. The {uuid} of the path,
// if any, becomes the only item's uuid.
func decodeItems[T any](r *http.Request, setUUID func(*T, string)) ([]T, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	body = bytes.TrimSpace(body)
	var items []T
	switch {
	case len(body) == 0:
	case body[0] == '{':
		var one T
		if err := json.Unmarshal(body, &one); err != nil {
			return nil, err
		}
		items = []T{one}
	default:
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, err
		}
	}
	if id := r.PathValue("uuid"); id != "" {
		if len(items) == 0 {
			items = make([]T, 1)
		}
		items = items[:1]
		setUUID(&items[0], id)
	}
	return items, nil
}

// malformed answers a body that is not the expected JSON.
func malformed(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "application/json")
	writeJSON(w, http.StatusBadRequest, api.Response[api.Instance]{
		Status: api.StatusError, Message: "Malformed request: " + err.Error(),
		Errors: []api.ResponseError{{Status: http.StatusBadRequest, Message: "Malformed request: " + err.Error()}},
	})
}

func setRefUUID(r *api.Ref, id string) { *r = api.Ref{UUID: id} }

// perItem answers a request whose items are independent: it decodes them and
// answers each with one, under the simulator's lock, in the documented envelope.
func perItem[T any, V api.Item](s *Sim, w http.ResponseWriter, r *http.Request, kind api.Kind, setUUID func(*T, string), one func(T) V) {
	start := time.Now()
	items, err := decodeItems(r, setUUID)
	if err != nil {
		malformed(w, err)
		return
	}
	var out []V
	s.mu.Lock()
	for _, it := range items {
		out = append(out, one(it))
	}
	s.mu.Unlock()
	respond(w, start, kind, out)
}
