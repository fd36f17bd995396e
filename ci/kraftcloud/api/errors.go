package api

import "fmt"

// ErrorCode is the per-item numeric "error" of a response, from the legacy
// SDK's client/errors.go APIHTTPError iota (kraftcloud/go-sdk), which the
// spec's examples agree with (NotFound is 8).
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

var errorCodeNames = [...]string{
	"UnknownError", "NotSupported", "WrongMethod", "NoAPIEndpoint", "FailNotAll",
	"TooMany", "Unknown", "Invalid", "NotFound", "NoFree",
	"FailedOperation", "FailedWrongVMState", "TimedOut", "MissingID", "NotAllowed",
	"Attached", "MalformedRequest", "NotBoth", "AddService", "Quota",
	"GuestMemoryTooSmall", "NotAttached", "TooLong", "AlreadyExists", "CannotBeUsed",
	"AutoscaleInstance", "AutoscaleConfigured", "AutoscaleNotConfigured", "AutoscaleDisabled", "AutoscaleSizeOOR",
	"CertCNMisMatch",
}

// String is the documented name, e.g. "NotFound", or "Error(N)" for codes
// the document does not list.
func (c ErrorCode) String() string {
	if c >= 0 && int(c) < len(errorCodeNames) {
		return errorCodeNames[c]
	}
	return fmt.Sprintf("Error(%d)", int32(c))
}
