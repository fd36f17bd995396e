package deploy

import (
	"context"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// retire drains and deletes the instances of the earlier deployment, once
// the new one is verified. Each is first stopped with a drain timeout (no
// new connections, open ones may finish), then deleted. A failure here
// does not undo the new deployment: it is reported as a warning and the
// old instance is left for `destroy` or the next deploy.
func (p *plan) retire(ctx context.Context, old []api.Ref) []string {
	var gone []string
	for _, ref := range old {
		label := cmpOr(ref.Name, ref.UUID)
		if ref.UUID != "" {
			ref.Name = "" // the API takes one of the two
		}
		p.log.Printf("rollout: drain %s (up to %s), then delete it", label, p.t.Drain)
		if _, err := p.client.StopInstance(ctx, ref, false, p.t.Drain); err == nil {
			_, _ = p.client.WaitInstance(ctx, ref, api.StateStopped, min(p.t.Drain+5*time.Second, maxWaitCall))
		} else {
			p.log.Printf("rollout: stop %s: %v (deleting it anyway)", label, err)
		}
		if _, err := p.client.DeleteInstance(ctx, ref); err != nil {
			p.warnf("rollout: the old instance %s could not be deleted: %v", label, err)
			continue
		}
		gone = append(gone, label)
	}
	return gone
}
