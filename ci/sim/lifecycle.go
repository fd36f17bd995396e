package sim

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// notify wakes everyone waiting for a state change. Callers may hold s.mu
// or not; it takes its own short lock on the channel swap.
func (s *Sim) notify() {
	s.mu.Lock()
	s.notifyLocked()
	s.mu.Unlock()
}

func (s *Sim) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// startLocked boots a stopped or standby instance; it is a no-op for one
// that is already starting or running, as the spec says of
// PUT /v1/instances/start. Caller holds s.mu.
func (s *Sim) startLocked(inst *instance) {
	if inst.run != nil || inst.deleted || s.closing {
		return
	}
	if inst.restartTimer != nil {
		inst.restartTimer.Stop()
		inst.restartTimer, inst.restartAt = nil, time.Time{}
	}
	inst.startCount++
	short := inst.uuid[:8]
	r := &run{
		done:    make(chan struct{}),
		nsName:  s.net.bridge + "-" + short,
		veth:    "ukv" + randHex(10),
		rootfs:  filepath.Join(s.dir, "instances", inst.uuid, "rootfs"),
		started: time.Now(),
	}
	inst.run = r
	inst.state = spec.StateStarting
	inst.netTimeUs, inst.bootTimeUs = 0, 0
	s.notifyLocked()
	s.wg.Add(1)
	go s.execute(inst, r)
}

// execute runs one boot to its end and records the outcome.
func (s *Sim) execute(inst *instance, r *run) {
	defer s.wg.Done()
	o := s.boot(inst, r)
	s.cleanupRun(r)
	s.logf("instance %s stopped: %s (stop_reason %d %s, exit_code %d, stop_code %#x)",
		inst.name, o.why, o.reason, o.reason, o.exit, uint32(o.code))
	s.finish(inst, r, o)
}

// markRunning records that the app's main was reached. A stop that came
// in while it was starting is carried out now.
func (s *Sim) markRunning(inst *instance, r *run) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	inst.state = spec.StateRunning
	inst.startedAt, inst.lastActive = now, now
	inst.bootTimeUs = now.Sub(r.started).Microseconds()
	if r.intent != intentNone {
		s.signalLocked(r)
	}
	if inst.restartAttempt > 0 {
		s.endSequenceAfterHealthyRun(inst, r)
	}
	s.notifyLocked()
	if inst.s2z != nil && inst.s2z.Policy != spec.ScaleToZeroOff && inst.s2z.Policy != "" {
		s.wg.Add(1)
		go s.idleWatch(inst, r)
	}
}

// finish records the end of a run and applies the restart policy and the
// delete-on-stop feature.
func (s *Sim) finish(inst *instance, r *run, o outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer close(r.done)
	if r.drain != nil {
		r.drain.Stop()
	}
	inst.run = nil
	inst.state = spec.StateStopped
	if r.intent == intentStandby {
		inst.state = spec.StateStandby
	}
	inst.stopReason, inst.exitCode, inst.stopCode = o.reason, o.exit, o.code
	inst.stops = append(inst.stops, o)
	inst.stoppedAt = time.Now()
	reachedRunning := !inst.startedAt.Before(r.started)
	if reachedRunning {
		inst.uptime += inst.stoppedAt.Sub(inst.startedAt)
	}
	s.notifyLocked()
	if inst.deleted || r.intent != intentNone || s.closing {
		return
	}
	if slices.Contains(inst.features, spec.FeatureDeleteOnStop) {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.deleteInstance(inst) }()
		return
	}
	s.maybeRestartLocked(inst, o)
}

// The restart policy, as Instance.restart_policy describes it: "always"
// restarts an instance whose stop was initiated from within it (the app
// exited or the instance crashed), "on-failure" only one that failed (a
// crash, or an exit with a non-zero code), with an exponential back-off
// delay (immediate, 5s, 10s, 20s, 40s, ..., 5m); a run of 10s without
// problems resets the delay and ends the sequence; restart.attempt counts
// the restarts of the current sequence and restart.next_at is when the
// next one is due while a delay is in effect; a manual start or stop
// aborts the sequence and resets the delay. Options.RestartBackoff,
// RestartBackoffMax and RestartHealthy shorten the durations for tests.

// maybeRestartLocked schedules the next restart of the sequence; the
// restart counts (restart.attempt, restart_count) when it is performed.
func (s *Sim) maybeRestartLocked(inst *instance, o outcome) {
	fromWithin := !o.reason.has(stopUser) && !o.reason.has(stopPlatform)
	failed := !o.reason.has(stopApp) || o.exit != 0
	if !fromWithin || inst.restart == restartNever || inst.restart == restartOnFailure && !failed {
		s.abortRestartsLocked(inst)
		return
	}
	delay := time.Duration(0)
	if inst.restartAttempt > 0 {
		delay = min(s.opts.RestartBackoff<<(inst.restartAttempt-1), s.opts.RestartBackoffMax)
		inst.restartAt = time.Now().Add(delay)
	}
	inst.restartTimer = time.AfterFunc(delay, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if inst.restartTimer == nil || inst.run != nil { // aborted, or started by hand meanwhile
			return
		}
		inst.restartTimer, inst.restartAt = nil, time.Time{}
		inst.restartAttempt++
		inst.restartCount++
		s.startLocked(inst)
	})
}

// endSequenceAfterHealthyRun ends the restart sequence once run r has
// been running for RestartHealthy.
func (s *Sim) endSequenceAfterHealthyRun(inst *instance, r *run) {
	if inst.healthyTimer != nil {
		inst.healthyTimer.Stop()
	}
	inst.healthyTimer = time.AfterFunc(s.opts.RestartHealthy, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if inst.run == r && inst.state == spec.StateRunning {
			inst.restartAttempt = 0
			inst.healthyTimer = nil
			s.notifyLocked()
		}
	})
}

// abortRestartsLocked ends the restart sequence: no restart is pending
// and the next failure restarts at once again.
func (s *Sim) abortRestartsLocked(inst *instance) {
	for _, t := range []*time.Timer{inst.restartTimer, inst.healthyTimer} {
		if t != nil {
			t.Stop()
		}
	}
	inst.restartTimer, inst.healthyTimer, inst.restartAt, inst.restartAttempt = nil, nil, time.Time{}, 0
}

// stopLocked asks a run to end and returns at once: a stop request answers
// before the instance has stopped (its state is then stopping). A manual
// stop aborts the restart sequence. Caller holds s.mu.
func (s *Sim) stopLocked(inst *instance, in intent) {
	if in != intentStandby {
		s.abortRestartsLocked(inst)
	}
	r := inst.run
	if r == nil {
		return
	}
	if r.drain != nil {
		r.drain.Stop()
		r.drain = nil
	}
	if r.intent == intentNone || in > r.intent {
		r.intent = in
	}
	if inst.state == spec.StateRunning || inst.state == spec.StateDraining {
		inst.state = spec.StateStopping
		s.notifyLocked()
	}
	s.signalLocked(r)
}

// drainLocked is a stop with drain_timeout_ms: the instance is draining,
// takes no new connections through the front (front.go picks only running
// instances), and is stopped when its last connection closes (release)
// or the timeout expires. An instance not running is stopped at once.
func (s *Sim) drainLocked(inst *instance, timeout time.Duration) {
	r := inst.run
	if r == nil || inst.state != spec.StateRunning {
		s.stopLocked(inst, intentStop)
		return
	}
	s.abortRestartsLocked(inst)
	inst.state = spec.StateDraining
	s.notifyLocked()
	if inst.conns == 0 {
		s.stopLocked(inst, intentStop)
		return
	}
	r.drain = time.AfterFunc(timeout, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if inst.run == r && inst.state == spec.StateDraining {
			s.logf("instance %s: drain timeout, %d connection(s) left", inst.name, inst.conns)
			s.stopLocked(inst, intentStop)
		}
	})
}

// signalLocked delivers the run's intent to its process, if it has one
// yet (otherwise markRunning does it): SIGTERM then SIGKILL after the
// grace for a plain stop, SIGKILL for the rest.
func (s *Sim) signalLocked(r *run) {
	if r.cmd == nil || r.cmd.Process == nil || r.killedBy >= r.intent {
		return
	}
	r.killedBy = r.intent
	if r.intent != intentStop {
		_ = r.cmd.Process.Signal(syscall.SIGKILL)
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	grace := s.opts.StopGrace
	go func() {
		select {
		case <-r.done:
		case <-time.After(grace):
			_ = r.cmd.Process.Signal(syscall.SIGKILL)
		}
	}()
}

// ErrNotRunning is Kill's error for an instance with no running app.
var ErrNotRunning = errors.New("sim: the instance has no running app")

// Kill kills the app of the running instance named instanceName as a
// crash would (a test hook): the process dies of SIGKILL, the stop is the
// kernel's (stop_reason 1, ----K, with a SEGFAULT stop_code at the app's
// initlevel, no exit code), and the restart policy then applies as to any
// crash.
func (s *Sim) Kill(instanceName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := s.instanceByNameLocked(instanceName)
	if inst == nil {
		return errors.New("sim: no instance named " + instanceName)
	}
	r := inst.run
	if r == nil || r.cmd == nil || r.cmd.Process == nil || r.intent != intentNone {
		return ErrNotRunning
	}
	r.crashed = true
	return r.cmd.Process.Signal(syscall.SIGKILL)
}

// deleteInstance removes an instance: it force-stops it, waits for its
// run to be cleaned up, and frees its IP, files, volumes and (if it was
// the last member of an ephemeral one) its service group.
func (s *Sim) deleteInstance(inst *instance) string {
	s.mu.Lock()
	prev := inst.state
	if inst.deleted {
		s.mu.Unlock()
		return prev
	}
	inst.deleted = true
	delete(s.instances, inst.uuid)
	s.stopLocked(inst, intentDelete)
	r := inst.run
	s.mu.Unlock()
	if r != nil {
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			s.logf("instance %s: run did not end 30s after SIGKILL", inst.name)
		}
	}
	s.mu.Lock()
	s.net.freeIP(inst.ip)
	for _, m := range inst.volumes {
		m.vol.mounts = removeInst(m.vol.mounts, inst)
	}
	if g := inst.sg; g != nil {
		g.members = removeInst(g.members, inst)
		if !g.persistent && len(g.members) == 0 {
			delete(s.groups, g.uuid)
		}
	}
	s.notifyLocked()
	s.mu.Unlock()
	_ = os.RemoveAll(filepath.Join(s.dir, "instances", inst.uuid))
	return prev
}

func removeInst(list []*instance, inst *instance) []*instance {
	out := list[:0]
	for _, x := range list {
		if x != inst {
			out = append(out, x)
		}
	}
	return out
}

// idleWatch puts a scale-to-zero instance in standby once it has had no
// connection through the front for cooldown_time_ms (default 1000 in the
// legacy spec). The process is stopped; traffic boots it again (front.go).
func (s *Sim) idleWatch(inst *instance, r *run) {
	defer s.wg.Done()
	cooldown := time.Duration(inst.s2z.CooldownTimeMs) * time.Millisecond
	if cooldown <= 0 {
		cooldown = defaultCooldown
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-r.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		idle := inst.run == r && inst.state == spec.StateRunning && inst.conns == 0 && time.Since(inst.lastActive) > cooldown
		if idle {
			s.stopLocked(inst, intentStandby)
		}
		s.mu.Unlock()
	}
}

// Stop is one stop of an instance: the stop_reason, exit_code and
// stop_code it had (GET shows those of the last).
type Stop struct {
	Reason   uint32
	ExitCode int
	Code     uint32
}

// Stops lists every stop of the instance named instanceName, oldest
// first, across its restarts (a test hook: the API shows only the last).
func (s *Sim) Stops(instanceName string) []Stop {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := s.instanceByNameLocked(instanceName)
	if inst == nil {
		return nil
	}
	out := make([]Stop, len(inst.stops))
	for i, o := range inst.stops {
		out[i] = Stop{Reason: uint32(o.reason), ExitCode: o.exit, Code: uint32(o.code)}
	}
	return out
}
