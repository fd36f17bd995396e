package datastore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/poll"
)

// ensureVolume returns the deployment's volume, creating it when missing.
// An existing volume is reused as it is (its data is the point), but not
// if another instance than the deployment's database holds it.
func (p *Postgres) ensureVolume(ctx context.Context, pf *Platform) (api.Volume, error) {
	name := VolumeName(pf.Name)
	v, err := pf.Client.GetVolume(ctx, api.ByName(name))
	if err == nil {
		for _, a := range v.AttachedTo {
			if a.Name != InstanceName(pf.Name) {
				return v, &Error{Stage: "volume", Err: fmt.Errorf("the volume %s is attached to %s, not to the database %s", name, a.Name, InstanceName(pf.Name))}
			}
		}
		if v.SizeMB != p.VolumeMB {
			pf.Logf("datastore: reuse volume %s (%d MiB; its size is not changed)", name, v.SizeMB)
		} else {
			pf.Logf("datastore: reuse volume %s (%d MiB)", name, v.SizeMB)
		}
		return v, nil
	}
	if !isNotFound(err) {
		return v, &Error{Stage: "volume", Err: err}
	}
	pf.Logf("datastore: create volume %s (%d MiB)", name, p.VolumeMB)
	if v, err = pf.Client.CreateVolume(ctx, api.CreateVolumeRequest{Name: name, SizeMB: p.VolumeMB}); err != nil {
		return v, &Error{Stage: "volume", Err: err}
	}
	p.made = append(p.made, made{"volume", name})
	v, err = waitVolume(ctx, pf, name)
	if err != nil {
		return v, &Error{Stage: "volume", Err: err}
	}
	return v, nil
}

// waitVolume polls until a new volume can be attached (available or idle).
func waitVolume(ctx context.Context, pf *Platform, name string) (api.Volume, error) {
	var v api.Volume
	err := poll.Until(ctx, 500*time.Millisecond, pf.Timeouts.Volume, func(ctx context.Context) (bool, error) {
		var err error
		switch v, err = pf.Client.GetVolume(ctx, api.ByName(name)); {
		case err != nil:
			return false, err
		case v.State == api.VolumeError:
			return false, fmt.Errorf("the volume %s is in state error", name)
		}
		return v.State == api.VolumeAvailable || v.State == api.VolumeIdle || v.State == "", nil
	})
	if errors.Is(err, poll.ErrDeadline) {
		return v, fmt.Errorf("the volume %s was still %s after %s", name, v.State, pf.Timeouts.Volume)
	}
	return v, err
}

// deleteVolume deletes a volume once no instance holds it any more (a
// deleted instance lets go of it a moment later on the platform).
func deleteVolume(ctx context.Context, pf *Platform, name string) error {
	var last error
	err := poll.Until(ctx, 500*time.Millisecond, 10*time.Second, func(ctx context.Context) (bool, error) {
		_, last = pf.Client.DeleteVolume(ctx, api.ByName(name))
		switch {
		case last == nil || isNotFound(last):
			return true, nil
		case kraftcloud.HasCode(last, api.ErrAttached):
			return false, nil
		}
		return false, last
	})
	if errors.Is(err, poll.ErrDeadline) {
		return last
	}
	return err
}

func isNotFound(err error) bool { return errors.Is(err, kraftcloud.ErrNotFound) }
