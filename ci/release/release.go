// Package release keeps a deployment's release history where the
// platform keeps its images: every verified deploy is a release, two tags
// in the deployment's image repository: release-<id> on the image itself
// (so that a registry's clean-up of untagged images never takes an image
// a rollback may need, and the platform can still find it), and
// release-<id>.record on a record (an OCI index of the image's manifest,
// the release in an annotation). The registry outlives every instance and
// every CI runner, records are read with the same login as the image and
// listed by tag; the instances of a release carry its id as a tag, which
// says which release serves.
package release

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// Release is one verified deploy.
type Release struct {
	ID             string `json:"id"`   // the deploy run's id: releases sort by it, oldest first
	Time           string `json:"time"` // when it was verified, RFC 3339
	Image          string `json:"image"`
	Digest         string `json:"digest"`
	OpenFGAVersion string `json:"openfga_version"`
	Commit         string `json:"commit"`
	Datastore      string `json:"datastore"`
	Persistent     bool   `json:"persistent"`
	Replicas       int    `json:"replicas"`
	// Schema is the datastore's schema version after the release's
	// migration (PostgreSQL: OpenFGA's goose version), 0 when unknown.
	Schema int `json:"schema_version,omitempty"`
	// Copy is the safety copy of the database taken before the migration
	// this release ran; restore brings it back.
	Copy                 string `json:"safety_copy,omitempty"`
	StoreID              string `json:"store_id,omitempty"`
	StoreName            string `json:"store_name,omitempty"`
	AuthorizationModelID string `json:"authorization_model_id,omitempty"`
	Verified             bool   `json:"verified"`
	// Serving is set by List: this release's instances are the ones running.
	Serving bool `json:"serving"`
}

// The tags of a release, and the record's annotation.
const (
	TagPrefix    = "release-"
	recordSuffix = ".record"
	annotation   = "org.openfga-kraftcloud.release"
)

// Repo is where a deployment's records live: its image repository
// (<registry>/<namespace>/<name>) and the registry login.
type Repo struct {
	Repository string
	Access     unikernel.Access
}

// Save records rel next to its image (rel.Image, by digest).
func (r Repo) Save(ctx context.Context, rel Release) error {
	desc, err := unikernel.ManifestOf(ctx, rel.Image, r.Access)
	if err != nil {
		return fmt.Errorf("release %s: %w", rel.ID, err)
	}
	raw, err := json.Marshal(rel)
	if err != nil {
		return err
	}
	if err := unikernel.Retag(ctx, rel.Image, r.Repository+":"+TagPrefix+rel.ID, r.Access); err != nil {
		return err
	}
	_, err = unikernel.PutRecord(ctx, r.Repository+":"+TagPrefix+rel.ID+recordSuffix, desc, map[string]string{annotation: string(raw)}, r.Access)
	return err
}

// Get reads the record of the release id; unikernel.ErrNoManifest when
// there is none.
func (r Repo) Get(ctx context.Context, id string) (Release, error) {
	rec, err := unikernel.GetRecord(ctx, r.Repository+":"+TagPrefix+id+recordSuffix, r.Access)
	if err != nil {
		return Release{}, err
	}
	var rel Release
	if err := json.Unmarshal([]byte(rec.Annotations[annotation]), &rel); err != nil || rel.ID != id {
		return Release{}, fmt.Errorf("release record %s:%s%s%s does not hold a release of this tool", r.Repository, TagPrefix, id, recordSuffix)
	}
	return rel, nil
}

// List reads every release, newest first; serving is the id of the
// release whose instances run ("" when none is known).
func (r Repo) List(ctx context.Context, serving string) ([]Release, error) {
	tags, err := unikernel.Tags(ctx, r.Repository, r.Access)
	if err != nil {
		return nil, err
	}
	var out []Release
	for _, tag := range tags {
		id, isRelease := strings.CutPrefix(tag, TagPrefix)
		id, isRecord := strings.CutSuffix(id, recordSuffix)
		if !isRelease || !isRecord {
			continue
		}
		rel, err := r.Get(ctx, id)
		if errors.Is(err, unikernel.ErrNoManifest) {
			continue // removed between the listing and now
		}
		if err != nil {
			return nil, err
		}
		rel.Serving = rel.ID == serving
		out = append(out, rel)
	}
	slices.SortFunc(out, func(a, b Release) int { return strings.Compare(b.ID, a.ID) })
	return out, nil
}

// Pick is the release a rollback goes to: the one whose image digest is
// to, else the one steps releases before the serving one.
func Pick(releases []Release, to string, steps int) (Release, error) {
	if to != "" {
		for _, r := range releases {
			if r.Digest == to || strings.HasSuffix(r.Image, "@"+to) {
				return r, nil
			}
		}
		return Release{}, fmt.Errorf("no release of this deployment ran %s (see `releases`)", to)
	}
	if steps < 1 {
		return Release{}, errors.New("give --to DIGEST or --steps N (N >= 1)")
	}
	at := slices.IndexFunc(releases, func(r Release) bool { return r.Serving })
	if at < 0 {
		return Release{}, errors.New("no release is serving now (its instances carry no release id): give --to DIGEST")
	}
	if at+steps >= len(releases) {
		return Release{}, fmt.Errorf("there are only %d release(s) before the serving one", len(releases)-at-1)
	}
	return releases[at+steps], nil
}
