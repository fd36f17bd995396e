// Package redact keeps secrets (tokens, preshared keys, passwords, database
// URIs) out of what the deploy prints and returns. The API client and
// ci/unikernel scrub their own errors; this is the last line, for anything
// that quotes env values, logs or diagnoses.
package redact

import (
	"errors"
	"strings"
)

// Redactor replaces every secret it was given with REDACTED.
type Redactor struct{ secrets []string }

// Add registers secrets; values shorter than 4 bytes are ignored because
// they would blank out ordinary words.
func (r *Redactor) Add(ss ...string) {
	for _, s := range ss {
		if len(s) >= 4 {
			r.secrets = append(r.secrets, s)
		}
	}
}

// String scrubs s.
func (r *Redactor) String(s string) string {
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "REDACTED")
	}
	return s
}

// Lines scrubs every line.
func (r *Redactor) Lines(in []string) []string {
	out := make([]string, len(in))
	for i, l := range in {
		out[i] = r.String(l)
	}
	return out
}

// Err scrubs err's message; the chain is dropped only when it had to edit
// (the wrapped errors could print the secret again).
func (r *Redactor) Err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := r.String(msg); clean != msg {
		return errors.New(clean)
	}
	return err
}
