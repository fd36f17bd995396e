package deploy

import (
	"cmp"
	"context"
	"errors"
	"os"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/release"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// Where names a deployment's image repository: the registry (default
// DefaultRegistry) and a CA to trust for it (the simulator's).
type Where struct {
	Name     string
	Registry string
	CAFile   string
}

// repo is the deployment's release records' repository.
func (w Where) repo(c *kraftcloud.Client) (release.Repo, error) {
	var caPEM []byte
	if w.CAFile != "" {
		var err error
		if caPEM, err = os.ReadFile(w.CAFile); err != nil {
			return release.Repo{}, err
		}
	}
	reg, acc := unikernel.AccessFor(cmp.Or(w.Registry, DefaultRegistry), c.Token(), caPEM)
	ref, err := unikernel.NewRef(reg, c.Token().Namespace(), w.Name, DefaultTag)
	if err != nil {
		return release.Repo{}, err
	}
	return release.Repo{Repository: ref.Repository(), Access: acc}, nil
}

// Releases lists the deployment's releases, newest first, the one whose
// instances serve marked.
func Releases(ctx context.Context, c *kraftcloud.Client, w Where) ([]release.Release, error) {
	repo, err := w.repo(c)
	if err != nil {
		return nil, err
	}
	serving, err := servingRelease(ctx, c, w.Name)
	if err != nil {
		return nil, err
	}
	return repo.List(ctx, serving)
}

// servingRelease is the release whose instances run in the group: the
// run id its running instances carry ("" when there is none or the group
// does not exist).
func servingRelease(ctx context.Context, c *kraftcloud.Client, name string) (string, error) {
	_, insts, err := members(ctx, c, name)
	if errors.Is(err, kraftcloud.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(servingRun(insts)), nil
}

// servingRun is the run id of the newest running instance of insts
// (oldest first) that carries one.
func servingRun(insts []api.Instance) runID {
	for i := len(insts) - 1; i >= 0; i-- {
		if insts[i].State == api.StateRunning && runOf(insts[i]) != "" {
			return runOf(insts[i])
		}
	}
	return ""
}

// RollbackTarget is the release a rollback deploys: the one that ran the
// digest to, else the one steps before the serving one. Deploy its Image
// with Options.Image (and its version and commit) to roll back.
func RollbackTarget(ctx context.Context, c *kraftcloud.Client, w Where, to string, steps int) (release.Release, error) {
	list, err := Releases(ctx, c, w)
	if err != nil {
		return release.Release{}, err
	}
	return release.Pick(list, to, steps)
}
