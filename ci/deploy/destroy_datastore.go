package deploy

import (
	"context"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
)

// destroyDatastore removes the deployment's database only as far as
// asked, and says what it keeps: the authorization data must not go with
// a `destroy` typed to redeploy. Nil when the deployment has none.
func destroyDatastore(ctx context.Context, c *kraftcloud.Client, o DestroyOptions, p *progress) (*datastore.Destroyed, error) {
	d, err := datastore.Destroy(ctx, c, datastore.DestroyOptions{Name: o.Name,
		DeleteDatabase: o.DeleteDatabase, DeleteVolume: o.DeleteData, Logf: p.Printf})
	if err != nil || (d.Database == "" && d.Volume == "" && len(d.Kept) == 0) {
		return nil, err
	}
	return &d, nil
}
