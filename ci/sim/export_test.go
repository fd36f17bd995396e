package sim

// What the tests of package sim_test need from inside the simulator. The
// tests live outside the package so that they can use ci/sim/simtest,
// which imports it.

import (
	"os"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// Values the tests compare answers with.
var AppExitStopCode = uint32(appExitStopCode)

const (
	ExitENOENT  = exitENOENT
	ExitENOEXEC = exitENOEXEC
	ExitEACCES  = exitEACCES
)

// Load is the loader's verdict on argv in the rootfs root.
func Load(root string, argv, env []string) (path string, exitCode int) {
	r := load(root, argv, env)
	return r.Path, r.ExitCode
}

// LinkExists reports whether a network interface exists in the host netns.
func LinkExists(name string) bool { return linkExists(name) }

// NetnsExists reports whether a named netns exists (ip netns keeps the
// names under /run/netns).
func NetnsExists(name string) bool { return netnsExists(name) }

func netnsExists(name string) bool {
	_, err := os.Stat("/run/netns/" + name)
	return err == nil
}

// RunOf is what the current run of instance uuid holds on the machine: its
// process, netns name, host-side veth and cgroup directory.
func (s *Sim) RunOf(uuid string) (pid int, netns, veth, cgroup string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.instances[uuid].run
	return r.cmd.Process.Pid, r.nsName, r.veth, r.cgroup
}

// VolumeDir is the host directory holding volume uuid's data.
func (s *Sim) VolumeDir(uuid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.volumes[uuid].dir
}

// DialectOf is the dialect the simulator serves.
func (s *Sim) DialectOf() spec.Dialect { return s.opts.Dialect }
