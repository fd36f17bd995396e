package sim

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The instance's first process is this very binary re-executed (the test
// binary in tests, the CLI otherwise) with initEnv set: a tiny init that
// runs inside the fresh namespaces, builds the instance's root filesystem
// view and then execs the app, which so becomes PID 1 of its namespace,
// as an app is the only program of a unikernel.
//
// It talks to the simulator over two pipes: it reads its initConfig on fd 3
// (the simulator writes it once the cgroup and the network are ready), and
// fd 4 is close-on-exec, so EOF there without a message means the app was
// exec'd ("running": the app's main was reached).
const initEnv = "UKCSIM_INIT"

const (
	initConfigFD = 3
	initStatusFD = 4
)

// initConfig is what the init needs to start the app.
type initConfig struct {
	Rootfs     string      `json:"rootfs"`      // host path of the unpacked initrd
	Path       string      `json:"path"`        // program to exec, absolute inside Rootfs
	Args       []string    `json:"args"`        // argv
	Env        []string    `json:"env"`         // the whole environment
	Hostname   string      `json:"hostname"`    // UTS name
	ResolvConf string      `json:"resolv_conf"` // host file bound on /etc/resolv.conf
	Mounts     []bindMount `json:"mounts"`      // volumes
}

// bindMount is a volume: a host directory bound at Target inside the rootfs.
type bindMount struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readonly"`
}

// init runs before anything else in a re-executed child and never returns
// there; in every other process it does nothing.
func init() {
	if os.Getenv(initEnv) != "1" {
		return
	}
	status := os.NewFile(initStatusFD, "status")
	closeExtraFDs()
	err := initMain()
	// Only failures get here: a successful exec replaced this process.
	fmt.Fprint(status, err.Error())
	code := 127
	if e, ok := err.(execError); ok {
		code = 256 - int(e.errno)
	}
	os.Exit(code)
}

// closeExtraFDs marks every descriptor above the status pipe close-on-exec:
// the app gets stdin, stdout, stderr and nothing the simulator's own
// process happened to leave inheritable.
func closeExtraFDs() {
	syscall.CloseOnExec(initStatusFD)
	entries, _ := os.ReadDir("/proc/self/fd")
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > initStatusFD {
			syscall.CloseOnExec(fd)
		}
	}
}

// execError is a failed execve: the app could not be loaded.
type execError struct{ errno syscall.Errno }

func (e execError) Error() string { return fmt.Sprintf("exec errno %d: %v", int(e.errno), e.errno) }

func initMain() error {
	// Mounts made here must never propagate back to the host.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	var cfg initConfig
	if err := json.NewDecoder(os.NewFile(initConfigFD, "config")).Decode(&cfg); err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	syscall.CloseOnExec(initConfigFD)
	if err := syscall.Sethostname([]byte(cfg.Hostname)); err != nil {
		return fmt.Errorf("sethostname: %w", err)
	}
	if err := prepareRootfs(cfg); err != nil {
		return err
	}
	if err := pivotRoot(cfg.Rootfs); err != nil {
		return err
	}
	err := syscall.Exec(cfg.Path, cfg.Args, cfg.Env)
	if errno, ok := err.(syscall.Errno); ok {
		return execError{errno}
	}
	return err
}

// prepareRootfs mounts what the platform provides inside the guest: /proc,
// a few device nodes, the network's /etc/resolv.conf, and the volumes.
//
// Paths inside the image are created through os.Root, so a symlink the
// image carries can never make us touch a host file; the kernel then
// resolves the same, already checked, path for the mount.
func prepareRootfs(cfg initConfig) error {
	r := cfg.Rootfs
	if err := syscall.Mount(r, r, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("bind rootfs: %w", err)
	}
	root, err := os.OpenRoot(r)
	if err != nil {
		return err
	}
	defer root.Close()
	if err := mountDev(root); err != nil {
		return err
	}
	if err := root.MkdirAll("proc", 0o755); err != nil {
		return err
	}
	if err := syscall.Mount("proc", filepath.Join(r, "proc"), "proc", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount /proc: %w", err)
	}
	if err := bindFile(root, cfg.ResolvConf, "etc/resolv.conf", true); err != nil {
		return err
	}
	for _, m := range cfg.Mounts {
		rel := strings.TrimPrefix(filepath.Clean("/"+m.Target), "/")
		if err := root.MkdirAll(rel, 0o755); err != nil {
			return fmt.Errorf("volume at %s: %w", m.Target, err)
		}
		if err := bind(m.Source, filepath.Join(r, rel), m.ReadOnly); err != nil {
			return err
		}
	}
	return nil
}

// mountDev puts a tmpfs on /dev holding the usual character devices, bound
// from the host's.
func mountDev(root *os.Root) error {
	if err := root.MkdirAll("dev", 0o755); err != nil {
		return err
	}
	dev := filepath.Join(root.Name(), "dev")
	if err := syscall.Mount("tmpfs", dev, "tmpfs", syscall.MS_NOSUID, "mode=755,size=1m"); err != nil {
		return fmt.Errorf("mount /dev: %w", err)
	}
	for _, n := range []string{"null", "zero", "full", "random", "urandom", "tty"} {
		if err := bindFile(root, "/dev/"+n, "dev/"+n, false); err != nil {
			return err
		}
	}
	links := map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dev, name)); err != nil {
			return err
		}
	}
	return nil
}

// bindFile binds the host file src over rel inside the rootfs, first
// replacing whatever is there (a symlink, nothing) by an empty file: the
// rootfs is the instance's own copy.
func bindFile(root *os.Root, src, rel string, readOnly bool) error {
	if err := root.MkdirAll(filepath.Dir(rel), 0o755); err != nil {
		return err
	}
	if fi, err := root.Lstat(rel); err != nil || !fi.Mode().IsRegular() {
		_ = root.RemoveAll(rel)
		if err := root.WriteFile(rel, nil, 0o644); err != nil {
			return err
		}
	}
	return bind(src, filepath.Join(root.Name(), rel), readOnly)
}

func bind(src, target string, readOnly bool) error {
	if err := syscall.Mount(src, target, "", syscall.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s on %s: %w", src, target, err)
	}
	if !readOnly {
		return nil
	}
	flags := uintptr(syscall.MS_BIND | syscall.MS_REMOUNT | syscall.MS_RDONLY)
	if err := syscall.Mount("", target, "", flags, ""); err != nil {
		return fmt.Errorf("remount %s read-only: %w", target, err)
	}
	return nil
}

// pivotRoot makes rootfs the root and drops every host mount from this
// namespace, the way runc does (pivot_root(".", ".") then detach the old
// root), so the app sees only its image.
func pivotRoot(rootfs string) error {
	oldroot, err := syscall.Open("/", syscall.O_DIRECTORY|syscall.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(oldroot)
	if err := syscall.Chdir(rootfs); err != nil {
		return err
	}
	if err := syscall.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := syscall.Fchdir(oldroot); err != nil {
		return err
	}
	if err := syscall.Unmount(".", syscall.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	return syscall.Chdir("/")
}
