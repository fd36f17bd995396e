package sim

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults are switches that make the API misbehave the way a real one can,
// for testing clients. Counts are consumed one per matching API request
// (or per instance start for CrashOnStart, per create for
// ResetAfterCreate). Set them with Options.Faults, (*Sim).SetFaults, or
// POST /_sim/faults with this JSON on the API port (GET shows what is
// left, DELETE clears). Kill is the test hook for a crash of a running
// app.
type Faults struct {
	// Path, if set, limits the API faults to request paths with this prefix
	// (e.g. "/v1/instances").
	Path string `json:"path,omitempty"`
	// RateLimit answers that many requests with 429 and Retry-After.
	RateLimit         int `json:"rate_limit,omitempty"`
	RetryAfterSeconds int `json:"retry_after_s,omitempty"` // default 1
	// ServerErrors answers that many requests with ServerErrorCode (default
	// 503; 502/504 come as a gateway's HTML page, like openresty's).
	ServerErrors    int `json:"server_errors,omitempty"`
	ServerErrorCode int `json:"server_error_code,omitempty"`
	// Slow delays that many requests by DelayMs before answering.
	Slow    int `json:"slow,omitempty"`
	DelayMs int `json:"delay_ms,omitempty"`
	// CrashOnStart makes that many instance starts crash at boot, before
	// the app runs: stop_reason 1 (-----K) and CrashStopCode (default
	// 0x00000005: SEGFAULT at initlevel 0).
	CrashOnStart  int    `json:"crash_on_start,omitempty"`
	CrashStopCode uint32 `json:"crash_stop_code,omitempty"`
	// ResetAfterCreate makes that many creates (POST /v1/instances, POST
	// /v1/services) be carried out and then not answered: the connection
	// is closed, as when a gateway drops it, so a client must find out by
	// name whether its create happened.
	ResetAfterCreate int `json:"reset_after_create,omitempty"`
}

// faultSet holds the live switches.
type faultSet struct {
	mu     sync.Mutex
	f      Faults
	failed string // the dialect's top-level status of a failed request
}

func newFaultSet(f Faults, failed string) *faultSet { return &faultSet{f: f, failed: failed} }

// SetFaults replaces the fault switches.
func (s *Sim) SetFaults(f Faults) {
	s.faults.mu.Lock()
	s.faults.f = f
	s.faults.mu.Unlock()
}

// takeCrash consumes one CrashOnStart.
func (fs *faultSet) takeCrash() (outcome, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f.CrashOnStart <= 0 {
		return outcome{}, false
	}
	fs.f.CrashOnStart--
	code := stopCode(fs.f.CrashStopCode)
	if code == 0 {
		code = kernelStopCode(reasonSEGFAULT, 0, 0, false)
	}
	return outcome{reason: stopKernel, code: code, why: "fault: crash on start"}, true
}

// takeReset consumes one ResetAfterCreate.
func (fs *faultSet) takeReset() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f.ResetAfterCreate <= 0 {
		return false
	}
	fs.f.ResetAfterCreate--
	return true
}

// resetConnection closes the client's connection without an answer: the
// socket is reset (SO_LINGER 0), so the client sees ECONNRESET or EOF.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // the server drops the connection itself
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// apply serves the fault for this request, if one is due; it reports
// whether it answered.
func (fs *faultSet) apply(w http.ResponseWriter, r *http.Request) bool {
	fs.mu.Lock()
	f := &fs.f
	if f.Path != "" && !strings.HasPrefix(r.URL.Path, f.Path) {
		fs.mu.Unlock()
		return false
	}
	var delay time.Duration
	if f.Slow > 0 {
		f.Slow--
		delay = time.Duration(f.DelayMs) * time.Millisecond
	}
	limited, failed := f.RateLimit > 0, f.RateLimit <= 0 && f.ServerErrors > 0
	if limited {
		f.RateLimit--
	} else if failed {
		f.ServerErrors--
	}
	retry, code := max(f.RetryAfterSeconds, 1), f.ServerErrorCode
	fs.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return true
		}
	}
	switch {
	case limited:
		w.Header().Set("Retry-After", strconv.Itoa(retry))
		fs.envelopeError(w, http.StatusTooManyRequests, "Too many requests, try again later")
	case failed:
		fs.serverError(w, code)
	default:
		return false
	}
	return true
}

// serverError answers a 5xx: gateways answer with HTML, the API with JSON.
func (fs *faultSet) serverError(w http.ResponseWriter, code int) {
	if code < 500 || code > 599 {
		code = http.StatusServiceUnavailable
	}
	if code == http.StatusBadGateway || code == http.StatusGatewayTimeout {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		fmt.Fprintf(w, "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n",
			code, http.StatusText(code), code, http.StatusText(code))
		return
	}
	fs.envelopeError(w, code, http.StatusText(code))
}

// envelopeError answers the spec's envelope for a failed request.
func (fs *faultSet) envelopeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(envelope{Status: fs.failed, Message: msg, Errors: []httpError{{Status: code}}})
}

// faultsHandler is /_sim/faults: GET shows, POST sets, DELETE clears.
func (s *Sim) faultsHandler(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost, http.MethodPut:
		var f Faults
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
			http.Error(w, "bad faults JSON: "+err.Error(), http.StatusBadRequest)
			return
		}
		s.SetFaults(f)
	case http.MethodDelete:
		s.SetFaults(Faults{})
	default:
		http.Error(w, "GET, POST or DELETE", http.StatusMethodNotAllowed)
		return
	}
	s.faults.mu.Lock()
	f := s.faults.f
	s.faults.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(f)
}
