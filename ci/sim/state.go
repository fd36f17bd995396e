package sim

import (
	"net/netip"
	"os/exec"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// The simulator's objects. All mutable fields are guarded by Sim.mu; a
// run's slow work (pull, unpack, process) happens outside it.

// instance is one KraftCloud instance.
type instance struct {
	uuid      string
	name      string
	createdAt time.Time
	image     imageRef // pinned to a digest at create time, as the platform does
	imageTag  string   // the tag it was created from, for display
	args      []string // nil: the image's cmd
	env       map[string]string
	memoryMB  int64
	vcpus     int
	sg        *serviceGroup
	volumes   []volumeMount
	restart   api.RestartPolicy
	s2z       *api.ScaleToZero
	features  []api.Feature
	tags      []string
	ip        netip.Addr

	state        api.State
	startedAt    time.Time
	stoppedAt    time.Time
	stopReason   api.StopReason
	exitCode     int
	stopCode     api.StopCode
	bootTimeUs   int64
	netTimeUs    int64
	startCount   int
	restartCount int
	uptime       time.Duration // of the runs that ended
	restartAt    time.Time     // next automatic restart, if one is scheduled
	restartTimer *time.Timer   // pending restart-policy start
	run          *run          // the current boot, nil when stopped/standby
	logs         logBuffer
	deleted      bool

	// Traffic through the TLS front, for scale-to-zero.
	conns      int
	lastActive time.Time
}

// volumeMount is a volume attached to an instance.
type volumeMount struct {
	vol      *volume
	at       string
	readOnly bool
}

// intent is why the simulator itself ends a run.
type intent int

const (
	intentNone    intent = iota // the app stops on its own
	intentStop                  // user stop: SIGTERM, then SIGKILL after the grace
	intentForce                 // user stop with force: SIGKILL
	intentStandby               // scale-to-zero
	intentDelete                // delete: SIGKILL
)

// run is one boot of an instance, from starting to stopped.
type run struct {
	intent   intent
	cmd      *exec.Cmd // set once the process exists
	done     chan struct{}
	nsName   string
	veth     string
	cgroup   string
	rootfs   string
	started  time.Time
	killedBy intent // set when the simulator signalled the process
}

// outcome is how a run ended: the fields the API reports.
type outcome struct {
	reason api.StopReason
	exit   int
	code   api.StopCode
	why    string // for the simulator's log
}

// serviceGroup is a set of published services shared by instances.
type serviceGroup struct {
	uuid       string
	name       string
	createdAt  time.Time
	persistent bool // created by POST /v1/services, not inline with an instance
	services   []api.Service
	domains    []string // FQDNs
	softLimit  int
	hardLimit  int
	members    []*instance
	next       uint64 // round-robin cursor
}

// volume is a persistent volume: a host directory bound into instances.
type volume struct {
	uuid      string
	name      string
	createdAt time.Time
	sizeMB    int64
	dir       string
	mounts    []*instance
}
