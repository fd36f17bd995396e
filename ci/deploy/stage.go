package deploy

import "time"

// Stage names one step of a deploy. The same names are the stages of
// Error (where a deploy failed) and the keys of Timings (how long each took).
type Stage string

const (
	StageValidate    Stage = "validate"    // every input checked, nothing sent (the account's quotas read)
	StagePackage     Stage = "package"     // the rootfs packaged as a unikernel image
	StageGate        Stage = "gate"        // the store file's tests pass against the OpenFGA being deployed
	StageCompare     Stage = "compare"     // the running deployment compared with what is asked for
	StagePush        Stage = "push"        // the image pushed to the registry
	StageImage       Stage = "image"       // the image visible to the API at the metro
	StageDatastore   Stage = "datastore"   // a persistent datastore ready and migrated
	StageCreate      Stage = "create"      // the service group and the new instance created
	StageRunning     Stage = "running"     // the new instance running
	StageWatch       Stage = "watch"       // the new instance still running after the watch period
	StageVerify      Stage = "verify"      // OpenFGA answers through the public FQDN
	StageRollout     Stage = "rollout"     // the earlier deployment's instances drained and deleted
	StagePersistence Stage = "persistence" // the data of the earlier deployment still there
	StageAutoscale   Stage = "autoscale"   // the group's autoscale configuration points at the new deployment
	StageDomains     Stage = "domains"     // the deployment's own domains answer (or are said not to resolve yet)
	StageStore       Stage = "store"       // the store file's store, model and tuples on the new deployment
	StageRelease     Stage = "release"     // the release recorded next to the image
)

// Timings are the stages in milliseconds, in the order they run.
type Timings struct {
	Validate    int64 `json:"validate_ms"`
	Package     int64 `json:"package_ms"`
	Gate        int64 `json:"gate_ms,omitempty"`
	Push        int64 `json:"push_ms"`
	ImageLookup int64 `json:"image_visible_ms"`
	Datastore   int64 `json:"datastore_ms,omitempty"`
	Create      int64 `json:"create_ms"`
	Running     int64 `json:"running_ms"`
	Watch       int64 `json:"watch_ms"`
	// Health and RoundTrip are the two parts of StageVerify.
	Health    int64 `json:"health_ms"`
	RoundTrip int64 `json:"round_trip_ms"`
	Rollout   int64 `json:"rollout_ms"`
	Store     int64 `json:"store_ms,omitempty"`
	Total     int64 `json:"total_ms"`
}

// record stores how long stage took. StageVerify is recorded in its two
// parts by the verifier, and StagePersistence is not timed on its own.
func (t *Timings) record(stage Stage, d time.Duration) {
	ms := d.Milliseconds()
	switch stage {
	case StageValidate:
		t.Validate = ms
	case StagePackage:
		t.Package = ms
	case StageGate:
		t.Gate = ms
	case StagePush:
		t.Push = ms
	case StageImage:
		t.ImageLookup = ms
	case StageDatastore:
		t.Datastore = ms
	case StageCreate:
		t.Create = ms
	case StageRunning:
		t.Running = ms
	case StageWatch:
		t.Watch = ms
	case StageRollout:
		t.Rollout = ms
	case StageStore:
		t.Store = ms
	}
}

// since is the milliseconds from start, for the parts of a stage.
func since(start time.Time) int64 { return time.Since(start).Milliseconds() }
