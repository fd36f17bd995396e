package api

import "fmt"

// Linux errno values the diagnosis and the simulator refer to by name.
const (
	EPERM   uint8 = 1
	ENOENT  uint8 = 2
	EIO     uint8 = 5
	ENOEXEC uint8 = 8
	ENOMEM  uint8 = 12
	EACCES  uint8 = 13
	EFAULT  uint8 = 14
	EINVAL  uint8 = 22
)

var errnoNames = map[uint8]string{
	1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO",
	7: "E2BIG", 8: "ENOEXEC", 9: "EBADF", 10: "ECHILD", 11: "EAGAIN",
	12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 15: "ENOTBLK", 16: "EBUSY",
	17: "EEXIST", 18: "EXDEV", 19: "ENODEV", 20: "ENOTDIR", 21: "EISDIR",
	22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 25: "ENOTTY", 26: "ETXTBSY",
	27: "EFBIG", 28: "ENOSPC", 29: "ESPIPE", 30: "EROFS", 31: "EMLINK",
	32: "EPIPE", 33: "EDOM", 34: "ERANGE", 36: "ENAMETOOLONG", 38: "ENOSYS",
	40: "ELOOP", 95: "EOPNOTSUPP", 98: "EADDRINUSE", 99: "EADDRNOTAVAIL",
	101: "ENETUNREACH", 104: "ECONNRESET", 110: "ETIMEDOUT",
	111: "ECONNREFUSED", 113: "EHOSTUNREACH",
}

// ErrnoName is the Linux name of errno ("ENOMEM"), "" for 0, or "errno N".
func ErrnoName(errno uint8) string {
	if errno == 0 {
		return ""
	}
	if n, ok := errnoNames[errno]; ok {
		return n
	}
	return fmt.Sprintf("errno %d", errno)
}
