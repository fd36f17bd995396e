package deploy

import (
	"cmp"
	"io"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/buildcache"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/datastore"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/unikernel"
)

// Defaults of the deploy, as kraft's `cloud deploy` has them where it has
// the same option.
const (
	DefaultCmd      = "/usr/bin/openfga run"
	DefaultRuntime  = unikernel.DefaultRuntime
	DefaultRegistry = unikernel.DefaultRegistry
	DefaultTag      = "latest"
	DefaultMemory   = "512"
	DefaultRestart  = "on-failure"
	// MaxReplicas bounds --replicas before anything is sent; the account's
	// quotas are checked at create.
	MaxReplicas = 16
)

// DefaultPorts publish OpenFGA's HTTP API on 443 (TLS terminated by the
// platform) and redirect plain HTTP on 80 to it.
var DefaultPorts = []string{"443:8080/tls+http", "80:443/http+redirect"}

// Options are the inputs of Run. Only Client, Rootfs and Name are required.
type Options struct {
	// Client talks to the API (metro or URL, token, CA). Its token also
	// logs in to the registry.
	Client *kraftcloud.Client

	Rootfs string // directory laid out as the image root
	// Image deploys an image this deployment's repository already holds
	// instead of a rootfs (a rollback): <registry>/<namespace>/<name>@sha256:…
	// or just sha256:…. It is preflighted from the image itself.
	Image     string
	Kraftfile string // optional: cmd, runtime, env and labels come from it
	Name      string // the deployment: service group, image and instance prefix

	Memory string   // kraft -M: "512" (MiB), "512Mi", "1Gi"; default DefaultMemory
	Ports  []string // "443:8080/tls+http", ...; default DefaultPorts
	// Domains are the deployment's own domains (fga.example.com): the
	// service group answers on them too, with a certificate the platform
	// issues; point a CNAME at the deployment's FQDN.
	Domains []string
	// Certificate is yours for the Domains (nil: the platform issues one).
	Certificate *Certificate
	Env         []string // extra KEY=VALUE, applied last
	// ScaleToZero is "on", "off" or "idle"; empty takes the Kraftfile's
	// labels. It is forced off for a datastore that is not persistent.
	ScaleToZero string
	// Restart is OpenFGA's restart policy: "on-failure" (the default: a
	// crash brings the server back, with the platform's back-off),
	// "always" or "never".
	Restart string
	// Replicas is how many instances serve (default 1). More than one
	// needs a persistent datastore: each instance of the memory datastore
	// would hold its own data.
	Replicas int
	// Autoscale lets the platform vary the instances between its bounds
	// (nil: the Replicas stay as they are).
	Autoscale *Autoscale

	Registry string // [http://]host[:port]; default DefaultRegistry
	Runtime  string // default: the Kraftfile's runtime, else DefaultRuntime
	Tag      string // image tag; default DefaultTag

	CAFile    string // PEM CA trusted for the registry and the public FQDN (the simulator's)
	ConnectTo string // HOST:PORT to send the FQDN's traffic to, like curl --connect-to

	// PresharedKeys turn OpenFGA's authentication on (the default: it is
	// on the public internet); several let a key rotate without downtime.
	// OIDC is the other way in; NoAuth the explicit opt-out.
	PresharedKeys []string
	OIDC          *OIDC
	NoAuth        bool

	// Tracing sends OpenFGA's traces to a collector (nil: off).
	Tracing *Tracing

	// Datastore is where OpenFGA keeps its data; default datastore.Memory{}.
	Datastore datastore.Datastore

	// Store is a store file (.fga.yaml, as the OpenFGA CLI reads it): its
	// tests gate the deploy before anything is pushed, and its store,
	// model and tuples are bootstrapped on the new deployment. StoreID
	// picks the store when several have the file's name.
	Store   string
	StoreID string

	KeepFailed bool // leave a failed instance (and its group and image) for inspection
	// Inputs are what the rootfs was made from (see FindBuild): the image
	// carries them in a label and under their tag, for the next deploy
	// from the same inputs to find.
	Inputs *buildcache.Inputs
	// Force rolls out even when the running deployment already is what
	// this deploy asks for (then it is verified again and kept).
	Force    bool
	Timeouts Timeouts
	Log      io.Writer // progress and diagnosis; default io.Discard

	// OpenFGAVersion and Commit go into the record. The binary cannot be
	// run on the host in general, so they are taken as given, with the Go
	// build info of cmd[0] as the fallback.
	OpenFGAVersion string
	Commit         string

	// skipCopy: Restore has just put the data in place.
	skipCopy bool
}

// Timeouts bound every wait of Run. Zero fields take the defaults.
type Timeouts struct {
	Image   time.Duration // the pushed image becomes visible to the API
	Running time.Duration // the instance reaches running
	Watch   time.Duration // how long it must stay running before it counts
	Verify  time.Duration // health and round trip through the FQDN
	Drain   time.Duration // old instances drain their connections
	Retry   time.Duration // retrying a create the API refused with 429/503
	Cleanup time.Duration // removing what a failed run created, even after the caller gave up
	// Datastore bounds the datastore's own waits (database, migration).
	Datastore datastore.Timeouts
}

// DefaultTimeouts are generous for the platform and short for the simulator.
var DefaultTimeouts = Timeouts{
	Image: 60 * time.Second, Running: 60 * time.Second, Watch: 3 * time.Second,
	Verify: 60 * time.Second, Drain: 5 * time.Second, Retry: 60 * time.Second,
	Cleanup: 60 * time.Second,
}

func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts
	t.Image, t.Running, t.Watch = cmp.Or(t.Image, d.Image), cmp.Or(t.Running, d.Running), cmp.Or(t.Watch, d.Watch)
	t.Verify, t.Drain, t.Retry = cmp.Or(t.Verify, d.Verify), cmp.Or(t.Drain, d.Drain), cmp.Or(t.Retry, d.Retry)
	t.Cleanup = cmp.Or(t.Cleanup, d.Cleanup)
	return t
}
