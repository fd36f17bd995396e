package sim

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Stop codes the simulator reports (see loader.go for which are inferred).
var (
	// appExitStopCode: the app returned and the kernel shut down cleanly
	// (reason OK, from the termtable); 33024 is the stop_code of the
	// spec's example instance.
	appExitStopCode = stopCode(0x8100)
	// oomStopCode is what an app that runs out of memory gets: a page
	// fault the kernel cannot serve (PGFAULT, errno ENOMEM) while the app
	// runs (initlevel 127), 0x000C7F04, with stop_reason 1 (----K), as the
	// spec's stop_code layout encodes it.
	oomStopCode = kernelStopCode(reasonPGFAULT, enomem, initLevelApp, false)
	// crashStopCode is Kill's: a fatal trap in the app (SEGFAULT at the
	// app's initlevel).
	crashStopCode = kernelStopCode(reasonSEGFAULT, 0, initLevelApp, false)
)

// boot takes one start of inst from pulling its image to the end of its
// process, and says how it ended. Cleanup of what it made is the caller's.
func (s *Sim) boot(inst *instance, r *run) outcome {
	if o, ok := s.faults.takeCrash(); ok {
		return o
	}
	s.mu.Lock()
	ref, args, env, name := inst.image, inst.args, inst.env, inst.name
	s.mu.Unlock()
	img, err := s.pull(ref, r.rootfs)
	if err == nil && len(args) == 0 && len(img.cmd) == 0 {
		err = badImage("neither the instance's args nor the image config's cmd say what to run")
	}
	if err != nil { // the platform's stop for an image it cannot use: ---P-- with NOMEDIUM
		return outcome{reason: stopPlatform, code: platformNoMedium, why: "image: " + err.Error()}
	}
	if len(args) == 0 {
		args = img.cmd
	}
	envList := mergeEnv(img.env, env)
	lr := load(r.rootfs, args, envList)
	s.logf("instance %s: loader: %s", name, lr.Why)
	if !lr.ok() {
		return outcome{reason: stopApp | stopKernel, exit: lr.ExitCode, code: appExitStopCode, why: "load failed: " + lr.Why}
	}
	s.mu.Lock()
	stopped := r.intent != intentNone
	s.mu.Unlock()
	if stopped { // stopped or deleted while its image was being pulled
		return outcome{reason: stopUser | stopPlatform, why: "stopped before the app started"}
	}
	return s.execProcess(inst, r, initConfig{Rootfs: r.rootfs, Path: lr.Path, Args: args, Env: envList,
		Hostname: name, ResolvConf: filepath.Join(s.dir, "resolv.conf"), Mounts: s.mounts(inst)})
}

// mergeEnv is the image's env with the instance's on top, in a fixed order.
func mergeEnv(image []string, inst map[string]string) []string {
	var out []string
	for _, kv := range image {
		k, _, _ := strings.Cut(kv, "=")
		if _, over := inst[k]; !over {
			out = append(out, kv)
		}
	}
	keys := make([]string, 0, len(inst))
	for k := range inst {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		out = append(out, k+"="+inst[k])
	}
	return out
}

// mounts lists the instance's volumes as bind mounts.
func (s *Sim) mounts(inst *instance) []bindMount {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []bindMount
	for _, m := range inst.volumes {
		out = append(out, bindMount{Source: m.vol.dir, Target: m.at, ReadOnly: m.readOnly})
	}
	return out
}

// execProcess starts the init in new namespaces, puts it in the cgroup and
// on the network, hands it its config and waits for the app to end.
func (s *Sim) execProcess(inst *instance, r *run, cfg initConfig) outcome {
	platformFail := func(err error) outcome {
		return outcome{reason: stopPlatform, code: platformUnknown, why: err.Error()}
	}
	cgDir, err := s.cg.create(filepath.Base(r.nsName), inst.memoryMB)
	r.cgroup = cgDir
	if err != nil {
		return platformFail(err)
	}
	p, err := startInit(cfg.Hostname)
	if err != nil {
		return platformFail(err)
	}
	s.mu.Lock()
	r.cmd = p.cmd
	s.mu.Unlock()
	logsDone := make(chan struct{})
	go func() { _, _ = io.Copy(&inst.logs, p.out); p.out.Close(); close(logsDone) }()
	fail := func(err error) outcome {
		p.abort()
		<-logsDone
		return platformFail(err)
	}
	pid := p.cmd.Process.Pid
	if err := s.cg.add(cgDir, pid); err != nil {
		return fail(err)
	}
	if err := s.net.attach(pid, r.nsName, r.veth, inst.ip, macFor(inst.ip)); err != nil {
		return fail(err)
	}
	time.Sleep(s.opts.BootDelay) // a stop meanwhile is carried out once running
	if msg, err := p.release(cfg); err != nil {
		return fail(err)
	} else if msg != "" {
		return p.initFailed(msg, logsDone)
	}
	s.markRunning(inst, r)
	go s.watchNet(inst, r, pid)
	_ = p.cmd.Wait()
	<-logsDone
	return s.classify(r, p.cmd.ProcessState)
}

// initProc is a started init and the simulator's ends of its pipes.
type initProc struct {
	cmd    *exec.Cmd
	out    *os.File // the app's stdout+stderr
	config *os.File // the init reads its config from the other end
	status *os.File // EOF = exec'd; text = why not
}

// startInit re-executes this binary as the instance's init in new mount,
// network, PID, UTS and IPC namespaces. It then waits for its config.
func startInit(name string) (*initProc, error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	stR, stW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{"ukcsim-init", name}
	cmd.Env = []string{initEnv + "=1"}
	cmd.Stdout, cmd.Stderr = outW, outW
	cmd.ExtraFiles = []*os.File{cfgR, stW} // fds 3 and 4
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWNET | syscall.CLONE_NEWPID | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC,
		// If the simulator dies without cleaning up, its instances die too.
		Pdeathsig: syscall.SIGKILL,
	}
	err = cmd.Start()
	outW.Close()
	cfgR.Close()
	stW.Close()
	if err != nil {
		outR.Close()
		cfgW.Close()
		stR.Close()
		return nil, fmt.Errorf("start init: %w", err)
	}
	return &initProc{cmd: cmd, out: outR, config: cfgW, status: stR}, nil
}

// release sends the config and waits until the app is exec'd (msg "") or
// the init reports why it could not be.
func (p *initProc) release(cfg initConfig) (msg string, err error) {
	err = json.NewEncoder(p.config).Encode(cfg)
	p.config.Close()
	if err != nil {
		return "", fmt.Errorf("send init config: %w", err)
	}
	b, _ := io.ReadAll(p.status)
	p.status.Close()
	return string(b), nil
}

// initFailed turns an init's failure report into an outcome: a failed
// exec is a load failure (exit 256-errno, loader.go); anything else is
// the simulator's own fault.
func (p *initProc) initFailed(msg string, logsDone chan struct{}) outcome {
	_ = p.cmd.Wait()
	<-logsDone
	var errno int
	if _, err := fmt.Sscanf(msg, "exec errno %d", &errno); err == nil {
		return outcome{reason: stopApp | stopKernel, exit: 256 - errno, code: appExitStopCode, why: "exec: " + msg}
	}
	return outcome{reason: stopPlatform, code: platformUnknown, why: "init: " + msg}
}

// abort kills the init before it ran anything.
func (p *initProc) abort() {
	_ = p.cmd.Process.Kill()
	p.config.Close()
	p.status.Close()
	_ = p.cmd.Wait()
}

// classify reads how the process ended, in the light of why the simulator
// may have ended it.
func (s *Sim) classify(r *run, ps *os.ProcessState) outcome {
	ws := ps.Sys().(syscall.WaitStatus)
	s.mu.Lock()
	in, crashed := r.intent, r.crashed
	s.mu.Unlock()
	exited := ws.Exited()
	switch {
	case s.cg.oomKills(r.cgroup) > 0:
		return outcome{reason: stopKernel, code: oomStopCode, why: "out of memory"}
	case in == intentStandby:
		return outcome{reason: stopScaleToZero | stopPlatform | stopApp | stopKernel,
			exit: max(ws.ExitStatus(), 0), code: appExitStopCode, why: "scale to zero"}
	case in != intentNone:
		o := outcome{reason: stopUser | stopPlatform, why: "stopped by the user"}
		if in == intentForce || in == intentDelete {
			o.reason |= stopForced
		}
		if exited { // the app shut down: 15 -UPAK, or 31 FUPAK when forced
			o.reason |= stopApp | stopKernel
			o.exit, o.code = ws.ExitStatus(), appExitStopCode
		} else if in == intentStop { // killed after the grace: 13 -UP-K
			o.reason |= stopKernel
		} // forced kill: 28 FUP--
		return o
	case crashed:
		return outcome{reason: stopKernel, code: crashStopCode, why: "killed as a crash (Kill)"}
	case exited:
		return outcome{reason: stopApp | stopKernel, exit: ws.ExitStatus(), code: appExitStopCode,
			why: "the app exited with " + strconv.Itoa(ws.ExitStatus())}
	}
	return signalOutcome(ws.Signal())
}

// signalOutcome maps a fatal signal to the kernel's stop_code reason: the
// trap a unikernel would have taken instead (inferred, not documented).
func signalOutcome(sig syscall.Signal) outcome {
	reason := reasonEXP
	switch sig {
	case syscall.SIGSEGV:
		reason = reasonSEGFAULT
	case syscall.SIGBUS:
		reason = reasonPGFAULT
	case syscall.SIGILL:
		reason = reasonINVLOP
	case syscall.SIGFPE:
		reason = reasonMATH
	}
	return outcome{reason: stopKernel, code: kernelStopCode(reason, 0, initLevelApp, false),
		why: "the app died of " + sig.String()}
}

// watchNet records net_time_us: the time from boot until the first
// listening TCP socket in the instance's namespace, the moment the
// platform's net_time_us marks (the instance is reachable).
func (s *Sim) watchNet(inst *instance, r *run, pid int) {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		select {
		case <-r.done:
			return
		default:
		}
		if listening(pid) {
			s.mu.Lock()
			if inst.run == r {
				inst.netTimeUs = time.Since(r.started).Microseconds()
			}
			s.mu.Unlock()
			s.notify()
			return
		}
	}
}

// listening reports whether the netns of pid has a TCP socket in LISTEN.
func listening(pid int) bool {
	for _, f := range []string{"tcp", "tcp6"} {
		fh, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, f))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if fields := strings.Fields(sc.Text()); len(fields) > 3 && fields[3] == "0A" {
				fh.Close()
				return true
			}
		}
		fh.Close()
	}
	return false
}

// cleanupRun removes what a boot made: the veth and netns name, any
// process left in the cgroup, the cgroup, and the unpacked rootfs.
func (s *Sim) cleanupRun(r *run) {
	s.net.detach(r.nsName, r.veth)
	if r.cgroup != "" {
		killCgroup(r.cgroup)
		if err := s.cg.remove(r.cgroup); err != nil {
			s.logf("remove cgroup %s: %v", r.cgroup, err)
		}
	}
	if err := os.RemoveAll(r.rootfs); err != nil {
		s.logf("remove rootfs %s: %v", r.rootfs, err)
	}
}

// killCgroup SIGKILLs every process still in a cgroup (normally none: the
// PID namespace dies with its first process).
func killCgroup(dir string) {
	b, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
