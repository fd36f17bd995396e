package deploy

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/verify"
)

// verifyPersistence proves, for a persistent datastore that deployments
// share (a database the datastore prepared), that the data outlives a rollout: once
// the earlier instances are gone, so that only the new one answers, the
// tuple the earlier deployment left (verify.Marker) must still be allowed
// through the FQDN. Then this deployment leaves it for the next one.
func (p *plan) verifyPersistence(ctx context.Context, fqdn string, rec *Deployment) error {
	if !p.ds.Persistent() || !p.persistent() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.t.Verify)
	defer cancel()
	key := ""
	if len(p.opts.PresharedKeys) > 0 {
		key = p.opts.PresharedKeys[0]
	}
	var retried atomic.Int64
	c := &verify.Client{BaseURL: "https://" + fqdn, HTTP: p.fqdnClient(fqdn, 0, &retried), Key: key}
	_, err := c.CheckMarker(ctx)
	switch {
	case errors.Is(err, verify.ErrNoMarker):
		rec.Persistence = "first deployment on this datastore: a marker tuple is written for the next one to check"
	case err != nil:
		return err
	default:
		rec.Persistence = "the tuple written before this deployment is still allowed"
	}
	p.log.Printf("verify: persistence: %s", rec.Persistence)
	_, err = c.WriteMarker(ctx)
	return err
}
