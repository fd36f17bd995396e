package api

// StopReason is the "stop_reason" bitmask (the spec's Instance.stop_reason;
// bit 5, scale-to-zero, from the platform's instance documentation):
//
//	bit 5 Z scale-to-zero | 4 F forced | 3 U user | 2 P platform |
//	1 A app exited (exit_code valid) | 0 K kernel exited (stop_code valid)
//
// Its String form is the documented six-letter notation, e.g. 39 = "Z--PAK".
type StopReason uint32

const (
	StopKernel      StopReason = 1 << 0 // K
	StopApp         StopReason = 1 << 1 // A
	StopPlatform    StopReason = 1 << 2 // P
	StopUser        StopReason = 1 << 3 // U
	StopForced      StopReason = 1 << 4 // F
	StopScaleToZero StopReason = 1 << 5 // Z
)

// stopLetters is ordered from bit 5 down to bit 0, as the docs print them.
var stopLetters = [...]struct {
	bit    StopReason
	letter byte
}{
	{StopScaleToZero, 'Z'}, {StopForced, 'F'}, {StopUser, 'U'},
	{StopPlatform, 'P'}, {StopApp, 'A'}, {StopKernel, 'K'},
}

// Has reports whether all of bits are set.
func (r StopReason) Has(bits StopReason) bool { return r&bits == bits }

// String is the documented notation: "Z--PAK", "----AK", "-----K", ...
func (r StopReason) String() string {
	b := make([]byte, len(stopLetters))
	for i, l := range stopLetters {
		b[i] = '-'
		if r.Has(l.bit) {
			b[i] = l.letter
		}
	}
	return string(b)
}

// StopReasonBits is the JSON-friendly decoded form of a StopReason.
type StopReasonBits struct {
	Raw         uint32 `json:"raw"`
	Flags       string `json:"flags"`
	ScaleToZero bool   `json:"scale_to_zero"`
	Forced      bool   `json:"forced"`
	User        bool   `json:"user"`
	Platform    bool   `json:"platform"`
	App         bool   `json:"app"`
	Kernel      bool   `json:"kernel"`
}

// Decode splits the mask into named bits.
func (r StopReason) Decode() StopReasonBits {
	return StopReasonBits{
		Raw:         uint32(r),
		Flags:       r.String(),
		ScaleToZero: r.Has(StopScaleToZero),
		Forced:      r.Has(StopForced),
		User:        r.Has(StopUser),
		Platform:    r.Has(StopPlatform),
		App:         r.Has(StopApp),
		Kernel:      r.Has(StopKernel),
	}
}

// Encode is the inverse of Decode (Raw and Flags are ignored): the
// simulator states which parties stopped an instance and gets the mask.
func (b StopReasonBits) Encode() StopReason {
	var r StopReason
	set := func(on bool, bit StopReason) {
		if on {
			r |= bit
		}
	}
	set(b.ScaleToZero, StopScaleToZero)
	set(b.Forced, StopForced)
	set(b.User, StopUser)
	set(b.Platform, StopPlatform)
	set(b.App, StopApp)
	set(b.Kernel, StopKernel)
	return r
}
