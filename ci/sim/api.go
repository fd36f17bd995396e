package sim

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// call is one API request the checker let through, as a handler gets it.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	form   *spec.Form
	params map[string]string // the path's {uuid} and {name}
	body   []byte
	start  time.Time
}

// decode reads the (already checked) body into v; an empty body leaves v.
func (c *call) decode(v any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil
	}
	return json.Unmarshal(c.body, v)
}

// items decodes a batch body, or a by-UUID form's single object, into a
// list; the path's {uuid} becomes the only item's target.
func items[T any](c *call, setUUID func(*T, string)) ([]T, error) {
	var out []T
	if c.form.Batch() || !c.form.Takes() {
		if err := c.decode(&out); err != nil {
			return nil, err
		}
	} else {
		var one T
		if err := c.decode(&one); err != nil {
			return nil, err
		}
		out = []T{one}
	}
	if id, ok := c.params["uuid"]; ok {
		if len(out) == 0 {
			out = make([]T, 1)
		}
		setUUID(&out[0], id)
	}
	return out, nil
}

func setRef(r *ref, id string) { *r = ref{UUID: id} }

// maxBody bounds a request body.
const maxBody = 8 << 20

// apiHandler is the REST API: bearer auth, fault switches, then every
// request is matched to a form of the dialect and checked against the
// dialect's description (ci/sim/spec) before a handler sees it. Answers
// are the spec's envelope; per-item failures are items with status
// "error", a message and a numeric code in an HTTP 200 answer, so a client
// must read each item's status, not only the HTTP status.
func (s *Sim) apiHandler() http.Handler {
	ops := s.operations()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_sim/ca.pem" && r.Method == http.MethodGet {
			// The CA the TLS front's certificates chain to: public, so a
			// client that cannot read the simulator's files (one in another
			// container) can trust the front.
			w.Header().Set("Content-Type", "application/x-pem-file")
			http.ServeFile(w, r, s.ep.CA)
			return
		}
		if r.URL.Path == "/_sim/faults" {
			if !s.authorized(r) {
				s.writeRefusal(w, nil, &spec.Refusal{Status: http.StatusUnauthorized, Message: "Unauthorized: missing or invalid bearer token"})
				return
			}
			s.faultsHandler(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/v1/") && s.faults.apply(w, r) {
			return
		}
		if !s.authorized(r) {
			s.writeRefusal(w, nil, &spec.Refusal{Status: http.StatusUnauthorized, Message: "Unauthorized: missing or invalid bearer token"})
			return
		}
		c := &call{w: w, r: r, start: time.Now()}
		f, params, refusal := spec.Match(s.opts.Dialect, r.Method, r.URL.Path)
		if refusal != nil {
			s.writeRefusal(w, nil, refusal)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			s.writeRefusal(w, f, &spec.Refusal{Status: http.StatusBadRequest, Code: spec.ErrMalformedRequest, Message: "Malformed request: " + err.Error()})
			return
		}
		if refusal := f.Check(params, r.URL.Query(), body); refusal != nil {
			s.writeRefusal(w, f, refusal)
			return
		}
		c.form, c.params, c.body = f, params, body
		h, ok := ops[f.Op]
		if !ok { // described but not played by the simulator
			s.writeRefusal(w, f, &spec.Refusal{Status: http.StatusNotImplemented, Code: spec.ErrNotSupported,
				Message: f.Op + " is not supported by the simulator"})
			return
		}
		h(c)
	})
}

// operations maps the spec's operations to their handlers.
func (s *Sim) operations() map[string]func(*call) {
	return map[string]func(*call){
		"Healthz": func(c *call) {
			s.writeJSON(c.w, http.StatusOK, envelope{Status: spec.StatusSuccess, Data: map[string]any{"services": map[string]string{}}})
		},
		"GetImages":        s.handleImages,
		"GetImagesByQuery": s.handleImages,

		"CreateInstance":        s.handleCreateInstance,
		"GetInstances":          s.handleGetInstances,
		"GetInstanceByUUID":     s.handleGetInstances,
		"DeleteInstances":       s.handleDeleteInstances,
		"DeleteInstanceByUUID":  s.handleDeleteInstances,
		"StartInstances":        s.handleStartInstances,
		"StartInstanceByUUID":   s.handleStartInstances,
		"StopInstances":         s.handleStopInstances,
		"StopInstanceByUUID":    s.handleStopInstances,
		"WaitInstances":         s.handleWaitInstances,
		"WaitInstanceByUUID":    s.handleWaitInstances,
		"GetInstanceLogs":       s.handleLogs,
		"GetInstanceLogsByUUID": s.handleLogs,

		"CreateServiceGroup":       s.handleCreateServiceGroup,
		"GetServiceGroups":         s.handleGetServiceGroups,
		"GetServiceGroupByUUID":    s.handleGetServiceGroups,
		"DeleteServiceGroups":      s.handleDeleteServiceGroups,
		"DeleteServiceGroupByUUID": s.handleDeleteServiceGroups,

		"GetAutoscaleConfigurations":                      s.handleGetAutoscale,
		"GetAutoscaleConfigurationsByServiceGroupUUID":    s.handleGetAutoscale,
		"CreateAutoscaleConfigurations":                   s.handleCreateAutoscale,
		"CreateAutoscaleConfigurationByServiceGroupUUID":  s.handleCreateAutoscale,
		"DeleteAutoscaleConfigurations":                   s.handleDeleteAutoscale,
		"DeleteAutoscaleConfigurationsByServiceGroupUUID": s.handleDeleteAutoscale,
		"GetAutoscaleConfigurationPolicies":               s.handleGetPolicy,
		"GetAutoscaleConfigurationPolicyByName":           s.handleGetPolicy,
		"CreateAutoscaleConfigurationPolicy":              s.handleCreatePolicy,
		"DeleteAutoscaleConfigurationPolicies":            s.handleDeletePolicy,
		"DeleteAutoscaleConfigurationPolicyByName":        s.handleDeletePolicy,

		"CreateVolume":       s.handleCreateVolumes,
		"GetVolumes":         s.handleGetVolumes,
		"GetVolumeByUUID":    s.handleGetVolumes,
		"DeleteVolumes":      s.handleDeleteVolumes,
		"DeleteVolumeByUUID": s.handleDeleteVolumes,
		"AttachVolumes":      s.handleAttachVolumes,
		"AttachVolumeByUUID": s.handleAttachVolumes,
		"DetachVolumes":      s.handleDetachVolumes,
		"DetachVolumeByUUID": s.handleDetachVolumes,
		"CloneVolumes":       s.handleCloneVolumes,
		"CloneVolumeByUUID":  s.handleCloneVolumes,

		"CreateCertificate":       s.handleCreateCertificate,
		"GetCertificates":         s.handleGetCertificates,
		"GetCertificateByUUID":    s.handleGetCertificates,
		"DeleteCertificates":      s.handleDeleteCertificates,
		"DeleteCertificateByUUID": s.handleDeleteCertificates,

		"GetUser":       s.handleQuotas,
		"GetUserByUUID": s.handleQuotas,
	}
}

// authorized checks "Authorization: Bearer <token>", the API's only
// authentication.
func (s *Sim) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.opts.Token)) == 1
}

// writeJSON answers v as JSON.
func (s *Sim) writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeRefusal answers a request that is not carried out: the HTTP
// status, the dialect's failed status, the message, errors[] with the
// HTTP status (ResponseError) and, for refused items of a body, those
// items under the form's kind.
func (s *Sim) writeRefusal(w http.ResponseWriter, f *spec.Form, r *spec.Refusal) {
	env := envelope{Status: spec.FailedStatus(s.opts.Dialect), Message: r.Message, Errors: []httpError{{Status: r.Status}}}
	if len(r.Items) > 0 && f != nil {
		var list []map[string]any
		for _, it := range r.Items {
			m := map[string]any{"message": it.Message, "error": it.Code}
			if f.ItemHas("status") {
				m["status"] = spec.StatusError
			}
			if it.UUID != "" {
				m["uuid"] = it.UUID
			}
			if it.Name != "" {
				m["name"] = it.Name
			}
			list = append(list, m)
		}
		env.Data = map[string]any{r.Kind: list}
	}
	s.writeJSON(w, r.Status, env)
}

// respond answers the items of the call's form: HTTP 200, top-level
// status "error" ("failure" in legacy) with "Failed to perform all
// operations" when an item failed, as the spec's examples have it.
func respond[T item](s *Sim, c *call, list []T) {
	if list == nil {
		list = []T{}
	}
	env := envelope{Status: spec.StatusSuccess, Data: map[string]any{c.form.Kind: list}}
	for _, it := range list {
		if it.itemResult().failed() {
			env.Status, env.Message = spec.FailedStatus(s.opts.Dialect), "Failed to perform all operations"
		}
	}
	env.OpTimeUs = max(time.Since(c.start).Microseconds(), 1)
	s.writeJSON(c.w, http.StatusOK, env)
}

// malformed answers a body the handler could not decode after the checker
// accepted it (it cannot happen unless the two disagree).
func (s *Sim) malformed(c *call, err error) {
	s.writeRefusal(c.w, c.form, &spec.Refusal{Status: http.StatusBadRequest, Code: spec.ErrMalformedRequest, Message: "Malformed request: " + err.Error()})
}

// perItem answers a request whose items are independent: it decodes them
// and answers each with one, under the simulator's lock.
func perItem[T any, V item](s *Sim, c *call, setUUID func(*T, string), one func(T) V) {
	list, err := items(c, setUUID)
	if err != nil {
		s.malformed(c, err)
		return
	}
	var out []V
	s.mu.Lock()
	for _, it := range list {
		out = append(out, one(it))
	}
	s.mu.Unlock()
	respond(s, c, out)
}
