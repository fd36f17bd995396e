package datastore

import (
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
