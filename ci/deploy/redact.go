package deploy

import (
	"encoding/base64"
	"fmt"
	"io"
	"sync"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
)

// newRedactor knows the token (raw and its secret half) and the preshared keys.
func newRedactor(tok kraftcloud.Token, more ...string) *redact.Redactor {
	user, secret := tok.RegistryAuth()
	r := &redact.Redactor{}
	if secret != "" {
		r.Add(secret, base64.StdEncoding.EncodeToString([]byte(user+":"+secret)))
	}
	r.Add(more...)
	return r
}

// progress is the log writer: one line per step, scrubbed.
type progress struct {
	mu sync.Mutex
	w  io.Writer
	r  *redact.Redactor
}

func (p *progress) Printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, p.r.String(fmt.Sprintf("deploy: "+format, args...)))
}
