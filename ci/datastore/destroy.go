package datastore

import (
	"context"
	"fmt"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// DestroyOptions say how much of the database to remove. By default
// nothing: destroying a deployment must not lose its authorization data.
type DestroyOptions struct {
	Name string // the deployment
	// DeleteDatabase removes the database instance; the volume, and so
	// the data, stays (a later deploy starts a new instance on it).
	DeleteDatabase bool
	// DeleteVolume removes the instance and the volume: the data is gone.
	DeleteVolume bool
	Logf         func(format string, args ...any)
}

// Destroyed says what was removed and what was kept.
type Destroyed struct {
	Database string   `json:"database,omitempty"` // the instance removed
	Volume   string   `json:"volume,omitempty"`   // the volume removed
	Kept     []string `json:"kept,omitempty"`     // what stays, in words
}

// Destroy removes the deployment's database as far as asked, and says
// what it keeps.
func Destroy(ctx context.Context, c *kraftcloud.Client, o DestroyOptions) (Destroyed, error) {
	var out Destroyed
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	inst, vol := InstanceName(o.Name), VolumeName(o.Name)
	_, ierr := c.GetInstance(ctx, api.ByName(inst))
	_, verr := c.GetVolume(ctx, api.ByName(vol))
	for _, err := range []error{ierr, verr} {
		if err != nil && !isNotFound(err) {
			return out, err
		}
	}
	hasInst, hasVol := ierr == nil, verr == nil
	if hasInst && (o.DeleteDatabase || o.DeleteVolume) {
		logf("destroy: delete the database instance %s", inst)
		if _, err := c.DeleteInstance(ctx, api.ByName(inst)); err != nil && !isNotFound(err) {
			return out, err
		}
		out.Database = inst
	} else if hasInst {
		out.Kept = append(out.Kept, "database instance "+inst)
	}
	if hasVol && o.DeleteVolume {
		logf("destroy: delete the volume %s: its data is gone for good", vol)
		pf := &Platform{Client: c, Logf: logf, Timeouts: Timeouts{Volume: 10 * time.Second}}
		if err := deleteVolume(ctx, pf, vol); err != nil {
			return out, err
		}
		out.Volume = vol
	} else if hasVol {
		out.Kept = append(out.Kept, fmt.Sprintf("volume %s (the database's data)", vol))
	}
	if len(out.Kept) > 0 {
		logf("destroy: kept %s; a redeploy reuses them. To remove them too: --delete-database (keeps the volume) or --delete-data (also the volume, for good)",
			joinAnd(out.Kept))
	}
	return out, nil
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " and " + s[len(s)-1]
}
