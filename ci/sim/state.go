package sim

import (
	"net/netip"
	"os/exec"
	"time"
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
	restart   restartPolicy
	s2z       *scaleToZero
	features  []string
	tags      []string
	ip        netip.Addr

	state      string // a spec.State*
	startedAt  time.Time
	stoppedAt  time.Time
	stopReason stopReason
	exitCode   int
	stopCode   stopCode
	stops      []outcome // every stop, oldest first; the last is what GET shows
	bootTimeUs int64
	netTimeUs  int64
	startCount int
	uptime     time.Duration // of the runs that ended
	run        *run          // the current boot, nil when stopped/standby
	logs       logBuffer
	deleted    bool

	// The restart policy's sequence (lifecycle.go).
	restartCount   int         // restarts ever: restart_count
	restartAttempt int         // restarts in the current sequence: restart.attempt
	restartAt      time.Time   // when the next restart is due, while a back-off delay is in effect
	restartTimer   *time.Timer // the pending restart
	healthyTimer   *time.Timer // ends the sequence after a healthy run

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

// restartPolicy is restart_policy, spelt per dialect on the wire.
type restartPolicy int

const (
	restartNever restartPolicy = iota
	restartAlways
	restartOnFailure
)

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
	killedBy intent      // set when the simulator signalled the process
	crashed  bool        // Kill: the process was killed as a crash
	drain    *time.Timer // a stop waiting for connections to end
}

// outcome is how a run ended: the fields the API reports.
type outcome struct {
	reason stopReason
	exit   int
	code   stopCode
	why    string // for the simulator's log
}

// serviceGroup is a set of published services shared by instances.
type serviceGroup struct {
	uuid       string
	name       string
	createdAt  time.Time
	persistent bool // created by POST /v1/services, not inline with an instance
	services   []service
	domains    []string       // FQDNs
	certs      []*certificate // the uploaded certificate of each domain, or nil
	softLimit  int64
	hardLimit  int64
	members    []*instance
	next       uint64     // round-robin cursor
	autoscale  *autoscale // nil: not configured (api_autoscale.go)
}

// volume is a persistent volume: a host directory bound into instances.
type volume struct {
	uuid      string
	name      string
	createdAt time.Time
	sizeMB    int64
	tags      []string
	dir       string
	mounts    []*instance
}
