package api

import (
	"fmt"
	"strings"
)

// StopCode is the 32-bit "stop_code" (the spec's Instance.stop_code and
// the platform's instance documentation):
//
//	bits 31-24 reserved | 23-16 errno (Linux) | 15 shutdown table
//	(0 inittab, 1 termtab) | 14-8 initlevel (127 = app running) | 7-0 reason
//
// When the kernel did not report (stop_reason without K), the platform sets
// its own codes instead: 0 UNKNOWN, 1 NOMEDIUM (image not available).
type StopCode uint32

// Field masks, as in the legacy SDK.
const (
	stopCodeReservedMask = 0xFF000000
	stopCodeErrnoMask    = 0x00FF0000
	stopCodeTermtabMask  = 0x00008000
	stopCodeInitMask     = 0x00007F00
	stopCodeReasonMask   = 0x000000FF
)

// InitLevelAppRunning is the initlevel once the app's main was reached.
const InitLevelAppRunning = 127

// KernelReason is the low byte of a kernel-reported stop_code.
type KernelReason uint8

const (
	ReasonOK KernelReason = iota
	ReasonEXP
	ReasonMATH
	ReasonINVLOP
	ReasonPGFAULT
	ReasonSEGFAULT
	ReasonHWERR
	ReasonSECERR
)

var kernelReasonNames = [...]string{"OK", "EXP", "MATH", "INVLOP", "PGFAULT", "SEGFAULT", "HWERR", "SECERR"}

func (k KernelReason) String() string {
	if int(k) < len(kernelReasonNames) {
		return kernelReasonNames[k]
	}
	return fmt.Sprintf("REASON(%d)", uint8(k))
}

// MarshalText makes the JSON form the name ("PGFAULT").
func (k KernelReason) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText accepts the names MarshalText produces.
func (k *KernelReason) UnmarshalText(b []byte) error {
	for i, n := range kernelReasonNames {
		if strings.EqualFold(n, string(b)) {
			*k = KernelReason(i)
			return nil
		}
	}
	var v uint8
	if _, err := fmt.Sscanf(string(b), "REASON(%d)", &v); err != nil {
		return fmt.Errorf("unknown kernel stop reason %q", b)
	}
	*k = KernelReason(v)
	return nil
}

// PlatformCode is a platform-defined stop_code.
type PlatformCode uint32

const (
	PlatformUnknown  PlatformCode = 0
	PlatformNoMedium PlatformCode = 1
)

func (p PlatformCode) String() string {
	switch p {
	case PlatformUnknown:
		return "UNKNOWN"
	case PlatformNoMedium:
		return "NOMEDIUM"
	}
	return fmt.Sprintf("PLATFORM(%d)", uint32(p))
}

// StopCodeFields is the JSON-friendly decoded form of a StopCode.
// Source says which layout applies: "kernel" (the bit fields) or
// "platform" (Platform holds the name; the bit fields are zero).
type StopCodeFields struct {
	Raw        uint32       `json:"raw"`
	Hex        string       `json:"hex"`
	Source     string       `json:"source"`
	Platform   string       `json:"platform,omitempty"`
	Reserved   uint8        `json:"reserved,omitempty"`
	Errno      uint8        `json:"errno"`
	ErrnoName  string       `json:"errno_name,omitempty"`
	Termtab    bool         `json:"termtab"`
	InitLevel  uint8        `json:"initlevel"`
	AppReached bool         `json:"app_reached"`
	Reason     KernelReason `json:"reason"`
}

// Sources of a stop_code.
const (
	SourceKernel   = "kernel"
	SourcePlatform = "platform"
)

// Decode reads the code in the light of the stop_reason it came with: with
// the K bit the kernel layout applies. Without it the value is a platform
// code, unless it is too large to be one (some callers have no stop_reason,
// e.g. a hand-written instance file), in which case the kernel layout is
// the only sensible reading.
func (c StopCode) Decode(reason StopReason) StopCodeFields {
	f := StopCodeFields{Raw: uint32(c), Hex: fmt.Sprintf("0x%08X", uint32(c))}
	if !reason.Has(StopKernel) && c <= StopCode(PlatformNoMedium) {
		f.Source = SourcePlatform
		f.Platform = PlatformCode(c).String()
		return f
	}
	f.Source = SourceKernel
	f.Reserved = uint8((c & stopCodeReservedMask) >> 24)
	f.Errno = uint8((c & stopCodeErrnoMask) >> 16)
	f.ErrnoName = ErrnoName(f.Errno)
	f.Termtab = c&stopCodeTermtabMask != 0
	f.InitLevel = uint8((c & stopCodeInitMask) >> 8)
	f.AppReached = f.InitLevel == InitLevelAppRunning
	f.Reason = KernelReason(c & stopCodeReasonMask)
	return f
}

// Encode is the inverse of Decode for the kernel layout (Raw, Hex and the
// derived names are ignored). For a platform code use PlatformStopCode.
func (f StopCodeFields) Encode() StopCode {
	c := uint32(f.Reserved)<<24 | uint32(f.Errno)<<16 | uint32(f.InitLevel&0x7F)<<8 | uint32(f.Reason)
	if f.Termtab {
		c |= stopCodeTermtabMask
	}
	return StopCode(c)
}

// KernelStopCode builds a kernel-reported code, e.g. the documented OOM
// KernelStopCode(ReasonPGFAULT, ENOMEM, InitLevelAppRunning, false) = 0x000C7F04.
func KernelStopCode(reason KernelReason, errno uint8, initLevel uint8, termtab bool) StopCode {
	return StopCodeFields{Reason: reason, Errno: errno, InitLevel: initLevel, Termtab: termtab}.Encode()
}

// PlatformStopCode is the stop_code for a platform-defined stop.
func PlatformStopCode(p PlatformCode) StopCode { return StopCode(p) }
