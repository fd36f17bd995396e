package sim

// stopReason is Instance.stop_reason, the bitmask of the spec's table:
// [F]orced 16, [U]ser 8, [P]latform 4, [A]pp 2, [K]ernel 1; the
// scale-to-zero bit 32 is that of stop_reason 39 (Z--PAK), which
// instances put in standby are observed to show.
type stopReason uint32

const (
	stopKernel      stopReason = 1 << 0
	stopApp         stopReason = 1 << 1
	stopPlatform    stopReason = 1 << 2
	stopUser        stopReason = 1 << 3
	stopForced      stopReason = 1 << 4
	stopScaleToZero stopReason = 1 << 5
)

func (r stopReason) has(bits stopReason) bool { return r&bits == bits }

// String is the spec's notation, e.g. 15 = "-UPAK" (with Z in front).
func (r stopReason) String() string {
	b := []byte("ZFUPAK")
	for i := range b {
		if !r.has(1 << (len(b) - 1 - i)) {
			b[i] = '-'
		}
	}
	return string(b)
}

// stopCode is Instance.stop_code: errno (bits 23-16), shutdown from the
// termtable (bit 15), initlevel (14-8), reason (7-0), as the spec's
// diagram lays it out. Without the K bit in stop_reason the platform puts
// its own codes there: 0 unknown, 1 NOMEDIUM (the image could not be
// had).
type stopCode uint32

// Kernel stop reasons (the low byte), in the order of kraftkit's and the
// SDKs' StopCodeReason.
const (
	reasonOK uint8 = iota
	reasonEXP
	reasonMATH
	reasonINVLOP
	reasonPGFAULT
	reasonSEGFAULT
)

// initLevelApp is the initlevel once the app's main was reached.
const initLevelApp = 127

const (
	platformUnknown  stopCode = 0
	platformNoMedium stopCode = 1
)

const enomem = 12

// kernelStopCode builds a kernel-reported stop_code.
func kernelStopCode(reason, errno, initLevel uint8, termtab bool) stopCode {
	c := uint32(errno)<<16 | uint32(initLevel&0x7F)<<8 | uint32(reason)
	if termtab {
		c |= 1 << 15
	}
	return stopCode(c)
}
