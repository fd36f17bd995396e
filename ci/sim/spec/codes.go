package spec

// ErrorCode is the per-item "error" of an answer. The spec gives only
// the example 8 for a missing object; the list and its order are the old
// Go SDK's APIHTTPError iota (kraftcloud/go-sdk client/errors.go at
// 971a5bc0985d744cafb2eb8a2d442d038c0f1069), whose NotFound is that 8.
type ErrorCode int32

const (
	ErrUnknownError ErrorCode = iota
	ErrNotSupported
	ErrWrongMethod
	ErrNoAPIEndpoint
	ErrFailNotAll
	ErrTooMany
	ErrUnknown
	ErrInvalid
	ErrNotFound
	ErrNoFree
	ErrFailedOperation
	ErrFailedWrongVMState
	ErrTimedOut
	ErrMissingID
	ErrNotAllowed
	ErrAttached
	ErrMalformedRequest
	ErrNotBoth
	ErrAddService
	ErrQuota
	ErrGuestMemoryTooSmall
	ErrNotAttached
	ErrTooLong
	ErrAlreadyExists
	ErrCannotBeUsed
	ErrAutoscaleInstance
	ErrAutoscaleConfigured
	ErrAutoscaleNotConfigured
	ErrAutoscaleDisabled
	ErrAutoscaleSizeOOR
	ErrCertCNMisMatch
)

// Instance states. v1 (Instance.state) lists template too; the legacy
// spec does not.
const (
	StateStopped  = "stopped"
	StateStarting = "starting"
	StateRunning  = "running"
	StateDraining = "draining"
	StateStopping = "stopping"
	StateTemplate = "template"
	StateStandby  = "standby"
)

var (
	statesV1     = []string{StateStopped, StateStarting, StateRunning, StateDraining, StateStopping, StateTemplate, StateStandby}
	statesLegacy = []string{StateStopped, StateStarting, StateRunning, StateDraining, StateStopping, StateStandby}
)

// Statuses: an item's "status" is success or error in both specs; the
// top-level status of a failed request is "error" in v1 (ResponseStatus)
// and "failure" in the legacy spec.
const (
	StatusSuccess = "success"
	StatusError   = "error"
	StatusFailure = "failure"
	// StatusUnconfigured is v1's top-level status of an autoscale GET for
	// a service group without a configuration
	// (GetAutoscaleConfigurationsResponse.status).
	StatusUnconfigured = "unconfigured"
)

// FailedStatus is the top-level status of a failed request in d.
func FailedStatus(d Dialect) string {
	if d == Legacy {
		return StatusFailure
	}
	return StatusError
}

// Restart policies: v1's enum (CreateInstanceRequest.restart_policy and
// Instance.restart_policy) spells on_failure with an underscore, the
// legacy spec on-failure with a hyphen.
const (
	RestartNever           = "never"
	RestartAlways          = "always"
	RestartOnFailureV1     = "on_failure"
	RestartOnFailureLegacy = "on-failure"
)

// RestartOnFailure is d's spelling of the on-failure policy.
func RestartOnFailure(d Dialect) string {
	if d == Legacy {
		return RestartOnFailureLegacy
	}
	return RestartOnFailureV1
}

// Scale-to-zero policies (CreateInstanceScaleToZero.policy), the same in
// both specs.
const (
	ScaleToZeroOn   = "on"
	ScaleToZeroOff  = "off"
	ScaleToZeroIdle = "idle"
)

// Service handlers (Service.handlers).
const (
	HandlerTLS      = "tls"
	HandlerHTTP     = "http"
	HandlerRedirect = "redirect"
)

// FeatureDeleteOnStop is the only feature of v1's enum
// (CreateInstanceRequest.features); the legacy one adds scale-to-zero.
const (
	FeatureDeleteOnStop = "delete-on-stop"
	FeatureScaleToZero  = "scale-to-zero"
)

// Volume states (Volume.state).
const (
	VolumeAvailable = "available"
	VolumeMounted   = "mounted"
)
