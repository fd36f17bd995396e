// Package redact keeps secrets (tokens, preshared keys, passwords, database
// URIs) out of what this project prints and returns. It is the one
// redactor: the API client and ci/unikernel scrub their errors with it, and
// the deploy, the datastores and the diagnosis scrub everything that quotes
// env values, logs or diagnoses with it, all with the same mask.
package redact

import (
	"errors"
	"strings"
)

// Mask is what every secret is replaced with.
const Mask = "REDACTED"

// Redactor replaces every secret it was given with Mask. The zero value
// knows no secret; a nil *Redactor scrubs nothing.
type Redactor struct{ secrets []string }

// New is a Redactor that knows secrets.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

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
	if r == nil {
		return s
	}
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, Mask)
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
