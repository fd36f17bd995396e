package deploy

import (
	"fmt"
	"io"
	"sync"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"
)

// progress is the log writer: one line per step, scrubbed.
type progress struct {
	mu sync.Mutex
	w  io.Writer
	r  *redact.Redactor
}

func newProgress(w io.Writer, r *redact.Redactor) *progress {
	if w == nil {
		w = io.Discard
	}
	return &progress{w: w, r: r}
}

func (p *progress) Printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, p.r.String(fmt.Sprintf("deploy: "+format, args...)))
}
