package api

// State is an instance's "state", as the spec's Instance.state enum has it.
type State string

const (
	StateStopped  State = "stopped"
	StateStarting State = "starting"
	StateRunning  State = "running"
	StateDraining State = "draining"
	StateStopping State = "stopping"
	// StateStandby is a scale-to-zero stop: it wakes on traffic.
	StateStandby  State = "standby"
	StateTemplate State = "template"
)

// Settled reports whether nothing more happens without outside action:
// logs can stop being followed and a waiter can give up on "running".
func (s State) Settled() bool {
	return s == StateStopped || s == StateStandby || s == StateTemplate
}

// VolumeState is a volume's "state", as the spec's Volume.state enum has it.
type VolumeState string

const (
	VolumeUninitialized VolumeState = "uninitialized"
	VolumeInitializing  VolumeState = "initializing"
	VolumeAvailable     VolumeState = "available"
	VolumeIdle          VolumeState = "idle"
	VolumeMounted       VolumeState = "mounted"
	VolumeBusy          VolumeState = "busy"
	VolumeError         VolumeState = "error"
	VolumeTemplate      VolumeState = "template"
)
