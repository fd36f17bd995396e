package deploy

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
)

// redactor removes secrets from everything this package prints or returns:
// the token (raw and its secret half) and the preshared keys. The API
// client and ci/unikernel scrub their own errors already; this is the
// last line, for anything that quotes env values or logs.
type redactor struct{ secrets []string }

func newRedactor(tok kraftcloud.Token, more ...string) *redactor {
	user, secret := tok.RegistryAuth()
	r := &redactor{}
	if secret != "" {
		r.add(secret, base64.StdEncoding.EncodeToString([]byte(user+":"+secret)))
	}
	r.add(more...)
	return r
}

func (r *redactor) add(ss ...string) {
	for _, s := range ss {
		// very short values would blank out ordinary words
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

// Err scrubs err's message; the chain is dropped only when it had to edit
// (the wrapped errors could print the secret again).
func (r *redactor) Err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := r.String(msg); clean != msg {
		return errors.New(clean)
	}
	return err
}

// progress is the log writer: one line per step, scrubbed.
type progress struct {
	mu sync.Mutex
	w  io.Writer
	r  *redactor
}

func (p *progress) Printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, p.r.String(fmt.Sprintf("deploy: "+format, args...)))
}
