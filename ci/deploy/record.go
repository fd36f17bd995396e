package deploy

import (
	"context"
	"regexp"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/fgastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/preflight"
)

// Deployment is the record of a verified deployment; its JSON is what a
// CI job reads (the fields are kept stable for that).
type Deployment struct {
	// Changed is false when the running deployment already was what was
	// asked for (verified again and kept), "store" when only the store
	// file's model or tuples were written, true after a rollout; Diff says
	// what differed.
	Changed        Change   `json:"changed"`
	Diff           []string `json:"diff,omitempty"`
	URL            string   `json:"url"`
	Instance       string   `json:"instance"`
	UUID           string   `json:"uuid"`
	ServiceGroup   string   `json:"service_group"`
	Image          string   `json:"image"`
	Digest         string   `json:"digest"`
	Metro          string   `json:"metro"`
	OpenFGAVersion string   `json:"openfga_version"`
	Commit         string   `json:"commit"`
	Verified       bool     `json:"verified"`
	Timings        Timings  `json:"timings"`
	Datastore      string   `json:"datastore"`
	Persistent     bool     `json:"persistent"`
	Auth           string   `json:"auth"` // "preshared" or "none"
	MemoryMB       int64    `json:"memory_mb"`
	// Restored is the copy a restore brought back, KeptData the copy of the
	// data the database had before it.
	Restored string `json:"restored,omitempty"`
	KeptData string `json:"kept_data,omitempty"`
	// SafetyCopy is the copy of the database taken before this deploy's
	// migration (restore --from brings it back).
	SafetyCopy string `json:"safety_copy,omitempty"`
	// Persistence is what the persistence check found (persistent
	// datastores on the platform or external: see verifyPersistence).
	Persistence string `json:"persistence,omitempty"`
	// Instances are all the deployment's instances (Instance and UUID name
	// the first), RestartPolicy what brings a crashed one back.
	Instances []InstanceRef `json:"instances"`
	// Release is the id of the release this deploy recorded (see releases).
	Release       string `json:"release,omitempty"`
	RestartPolicy string `json:"restart_policy"`
	// Pool is how OpenFGA's database connections are shared among the
	// instances (PostgreSQL datastores).
	Pool *datastore.Pool `json:"pool,omitempty"`
	// Autoscale is the group's autoscale configuration as the platform
	// answered it after this deploy set it.
	Autoscale *AutoscaleRecord `json:"autoscale,omitempty"`
	// Replaced are the instances of the earlier deployment this one drained
	// and deleted after it was verified.
	Replaced []string `json:"replaced,omitempty"`
	// Gate is the summary of the store file's tests (--store), and the
	// embedded Result the store they bootstrapped: store_id, store_name,
	// authorization_model_id, tuples_written, tuples_present, ...
	Gate string `json:"gate,omitempty"`
	// Domains are the deployment's own domains and what the verification
	// found through each (url is the platform's FQDN either way).
	Domains []DomainRecord `json:"domains,omitempty"`
	*fgastore.Result
	Warnings []string `json:"warnings,omitempty"`
}

// InstanceRef names one instance of the deployment.
type InstanceRef struct {
	Name string `json:"name"`
	UUID string `json:"uuid"`
}

// memoryWarning goes into the record of a non-persistent deployment.
const memoryWarning = "the memory datastore is per instance: stores, models and tuples are lost when the instance stops or is replaced, and each instance of a rollout has its own"

// OpenFGA's release build stamps these with -X (.goreleaser.yaml).
var (
	versionRE = regexp.MustCompile(`openfga/internal/build\.Version=(\S+)`)
	commitRE  = regexp.MustCompile(`openfga/internal/build\.Commit=(\S+)`)
)

// stampOf returns the given version and commit, else what the binary's Go
// build info recorded (-trimpath builds record no -ldflags), else "unknown".
func stampOf(rep preflight.Report, version, commit string) (string, string) {
	var ld string
	if rep.Go != nil {
		ld = rep.Go.LDFlags
	}
	pick := func(given string, re *regexp.Regexp) string {
		if given != "" {
			return given
		}
		if m := re.FindStringSubmatch(ld); m != nil {
			return m[1]
		}
		return "unknown"
	}
	return pick(version, versionRE), pick(commit, commitRE)
}

// OpenFGA's JSON log lines carry the stamp of the running binary.
var (
	logVersionRE = regexp.MustCompile(`"build\.version":"([^"]+)"`)
	logCommitRE  = regexp.MustCompile(`"build\.commit":"([^"]+)"`)
)

// stampFromLogs fills an unknown version or commit from the new
// instance's own logs: what really runs, when nobody said.
func (r *run) stampFromLogs(ctx context.Context) {
	if r.stamp.version != "unknown" && r.stamp.commit != "unknown" {
		return
	}
	b, err := r.client.ReadLogs(ctx, r.out.refs()[0], api.MaxLogPage)
	if err != nil {
		return
	}
	if m := logVersionRE.FindSubmatch(b); m != nil && r.stamp.version == "unknown" {
		r.stamp.version = string(m[1])
	}
	if m := logCommitRE.FindSubmatch(b); m != nil && r.stamp.commit == "unknown" {
		r.stamp.commit = string(m[1])
	}
}
