package datastore

import (
	"context"
	"errors"
	"fmt"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// Restore puts the data of the safety copy from back in place of the
// deployment's volume, for a deploy that then starts a database on it
// (Postgres.Prepare creates the instance on the volume it finds). The
// database instance goes (stopped first: nothing may write meanwhile), the
// data it had is kept as another copy, whose name Restore returns, and the
// copy from is cloned into the volume's name. The copy itself stays, so a
// restore can be repeated. OpenFGA's instances must be stopped before.
func Restore(ctx context.Context, pf Platform, from string) (string, error) {
	if err := pf.check(); err != nil {
		return "", err
	}
	src, err := pf.Client.GetVolume(ctx, api.ByName(from))
	if err != nil {
		return "", fmt.Errorf("the safety copy %s: %w", from, err)
	}
	if len(src.AttachedTo) > 0 {
		return "", fmt.Errorf("the safety copy %s is attached to %s: it must be free to be copied", from, src.AttachedTo[0].Name)
	}
	db, vol := InstanceName(pf.Name), VolumeName(pf.Name)
	pf.Logf("datastore: restore: delete the database instance %s (the data stays on %s)", db, vol)
	if _, err := pf.Client.DeleteInstance(ctx, api.ByName(db)); err != nil && !isNotFound(err) {
		return "", err
	}
	live, err := pf.Client.GetVolume(ctx, api.ByName(vol))
	var kept string
	switch {
	case err == nil:
		kept = copyName(pf.Name)
		pf.Logf("datastore: restore: keep the data %s had as %s", vol, kept)
		if err := cloneFree(ctx, &pf, live, kept); err != nil {
			return "", err
		}
		if err := deleteVolume(ctx, &pf, vol); err != nil {
			return kept, err
		}
	case !isNotFound(err):
		return "", err
	}
	pf.Logf("datastore: restore: copy %s into %s", from, vol)
	return kept, cloneFree(ctx, &pf, src, vol)
}

// cloneFree clones a volume no instance holds and waits for the copy.
func cloneFree(ctx context.Context, pf *Platform, v api.Volume, name string) error {
	err := waitUntilFree(ctx, pf, v.Name)
	if err == nil {
		_, err = pf.Client.CloneVolume(ctx, api.ByUUID(v.UUID), name)
	}
	if err == nil {
		_, err = waitVolume(ctx, pf, name)
	}
	return err
}

// waitUntilFree waits until a deleted instance has let go of the volume.
func waitUntilFree(ctx context.Context, pf *Platform, name string) error {
	v, err := waitVolume(ctx, pf, name)
	if err == nil && len(v.AttachedTo) > 0 {
		err = errors.New("the volume " + name + " is still attached to " + v.AttachedTo[0].Name)
	}
	return err
}
