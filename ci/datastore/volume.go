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

// ensureVolume returns the deployment's volume, creating it when missing,
// and whether it existed. An existing volume is reused as it is (its data
// is the point), but not if another instance than the deployment's
// database holds it.
func (p *Postgres) ensureVolume(ctx context.Context, pf *Platform) (api.Volume, bool, error) {
	name := VolumeName(pf.Name)
	v, err := pf.Client.GetVolume(ctx, api.ByName(name))
	if err == nil {
		for _, a := range v.AttachedTo {
			if a.Name != InstanceName(pf.Name) {
				return v, true, &Error{Stage: "volume", Err: fmt.Errorf("the volume %s is attached to %s, not to the database %s", name, a.Name, InstanceName(pf.Name))}
			}
		}
		if v.SizeMB != p.VolumeMB {
			pf.Logf("datastore: reuse volume %s (%d MiB; its size is not changed)", name, v.SizeMB)
		} else {
			pf.Logf("datastore: reuse volume %s (%d MiB)", name, v.SizeMB)
		}
		return v, true, nil
	}
	if !isNotFound(err) {
		return v, false, &Error{Stage: "volume", Err: err}
	}
	pf.Logf("datastore: create volume %s (%d MiB)", name, p.VolumeMB)
	if v, err = pf.Client.CreateVolume(ctx, api.CreateVolumeRequest{Name: name, SizeMB: p.VolumeMB}); err != nil {
		return v, false, &Error{Stage: "volume", Err: err}
	}
	p.made = append(p.made, made{"volume", name})
	v, err = waitVolume(ctx, pf, name)
	if err != nil {
		return v, false, &Error{Stage: "volume", Err: err}
	}
	return v, false, nil
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

// copyName is "<name>-pgcopy-<id>", within the 63 characters of a name.
func copyName(deployment string) string {
	prefix := deployment[:min(len(deployment), 63-len("-pgcopy-")-kraftcloud.NameSuffixLen)]
	return prefix + "-pgcopy-" + kraftcloud.NameSuffix()
}

// safetyCopy clones the database's volume before a migration that may
// change its schema. The platform clones only a volume no instance holds
// read-write, so the database stops for the copy and starts again after
// (ensureInstance waits until it accepts connections): the instances of
// the running deployment see a few seconds without their database,
// the price of a copy to go back to. It returns the copy's name.
func (p *Postgres) safetyCopy(ctx context.Context, pf *Platform, vol api.Volume) (string, error) {
	db := InstanceName(pf.Name)
	if inst, err := pf.Client.GetInstance(ctx, api.ByName(db)); err == nil && inst.State != api.StateStopped {
		pf.Logf("datastore: stop the database %s for a safety copy of its volume", db)
		if _, err := pf.Client.StopInstance(ctx, api.ByUUID(inst.UUID), false, 0); err != nil {
			return "", err
		}
		p.stopped = inst.UUID
		if _, err := waitStopped(ctx, pf.Client, api.ByUUID(inst.UUID), pf.Timeouts.Volume); err != nil {
			return "", err
		}
	} else if err != nil && !isNotFound(err) {
		return "", err
	}
	name := copyName(pf.Name)
	pf.Logf("datastore: safety copy of %s before the migration: %s", vol.Name, name)
	if _, err := pf.Client.CloneVolume(ctx, api.ByUUID(vol.UUID), name); err != nil {
		return "", err
	}
	p.made = append(p.made, made{"volume", name}) // until the migration starts
	if _, err := waitVolume(ctx, pf, name); err != nil {
		return "", err
	}
	return name, nil
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
