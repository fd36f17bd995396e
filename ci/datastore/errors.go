package datastore

import (
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/diagnose"
)

// Error is a datastore step that failed: which one, why, and the diagnosis
// of the instance that failed (the database or the migrate instance).
type Error struct {
	Stage     string // "volume", "database" or "migrate"
	Err       error  // free of secrets
	Diagnosis *diagnose.Diagnosis
	// Logs is the tail of the failed instance's console, scrubbed.
	Logs []string
}

func (e *Error) Error() string {
	msg := "datastore " + e.Stage + ": " + e.Err.Error()
	if d := e.Diagnosis; d != nil && d.Failed {
		msg += "\ncause: " + d.Cause
		if d.Fix != "" {
			msg += "\nfix: " + d.Fix
		}
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// redactor keeps secrets out of everything this package prints or returns.
type redactor struct{ secrets []string }

func (r *redactor) add(ss ...string) {
	for _, s := range ss {
		if len(s) >= 4 {
			r.secrets = append(r.secrets, s)
		}
	}
}

func (r *redactor) String(s string) string {
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "REDACTED")
	}
	return s
}

func (r *redactor) lines(in []string) []string {
	out := make([]string, len(in))
	for i, l := range in {
		out[i] = r.String(l)
	}
	return out
}

// scrub cleans a diagnosis in place.
func (r *redactor) scrub(d *diagnose.Diagnosis) {
	d.Cause, d.Fix = r.String(d.Cause), r.String(d.Fix)
	d.Evidence = r.lines(d.Evidence)
	d.Notes = r.lines(d.Notes)
}
