package sim

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
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
// that is already starting or running, as the API reference says of
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
	inst.state = api.StateStarting
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
	inst.state = api.StateRunning
	inst.startedAt, inst.lastActive = now, now
	inst.bootTimeUs = now.Sub(r.started).Microseconds()
	if r.intent != intentNone {
		s.signalLocked(r)
	}
	s.notifyLocked()
	if inst.s2z != nil && inst.s2z.Policy != api.ScaleToZeroOff && inst.s2z.Policy != "" {
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
	inst.run = nil
	inst.state = api.StateStopped
	if r.intent == intentStandby {
		inst.state = api.StateStandby
	}
	inst.stopReason, inst.exitCode, inst.stopCode = o.reason, o.exit, o.code
	inst.stoppedAt = time.Now()
	if !inst.startedAt.Before(r.started) { // it reached running in this run
		inst.uptime += inst.stoppedAt.Sub(inst.startedAt)
	}
	s.notifyLocked()
	if inst.deleted || r.intent != intentNone || s.closing {
		return
	}
	if hasFeature(inst.features, api.FeatureDeleteOnStop) {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.deleteInstance(inst) }()
		return
	}
	s.maybeRestartLocked(inst, o)
}

// maybeRestartLocked schedules a start per restart_policy, with the
// back-off the API reference gives for restart_policy: immediately, then
// 5s, 10s, 20s, ... up to 5m; reset after 10s of healthy running.
func (s *Sim) maybeRestartLocked(inst *instance, o outcome) {
	failed := !o.reason.Has(api.StopApp) || o.exit != 0
	if inst.restart != api.RestartAlways && !(inst.restart == api.RestartOnFailure && failed) {
		return
	}
	if !inst.startedAt.IsZero() && inst.stoppedAt.Sub(inst.startedAt) > 10*time.Second {
		inst.restartCount = 0
	}
	delay := time.Duration(0)
	if inst.restartCount > 0 {
		delay = min(5*time.Second<<(inst.restartCount-1), 5*time.Minute)
	}
	inst.restartCount++
	inst.restartAt = time.Now().Add(delay)
	inst.restartTimer = time.AfterFunc(delay, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		inst.restartTimer, inst.restartAt = nil, time.Time{}
		s.startLocked(inst)
	})
}

func hasFeature(fs []api.Feature, f api.Feature) bool { return slices.Contains(fs, f) }

// stopLocked asks a run to end and returns at once: a stop request answers
// before the instance has stopped (its state is then stopping). Caller
// holds s.mu.
func (s *Sim) stopLocked(inst *instance, in intent) {
	if inst.restartTimer != nil {
		inst.restartTimer.Stop()
		inst.restartTimer, inst.restartAt = nil, time.Time{}
	}
	r := inst.run
	if r == nil {
		return
	}
	if r.intent == intentNone || in > r.intent {
		r.intent = in
	}
	if inst.state == api.StateRunning {
		inst.state = api.StateStopping
		s.notifyLocked()
	}
	s.signalLocked(r)
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

// deleteInstance removes an instance: it force-stops it, waits for its
// run to be cleaned up, and frees its IP, files, volumes and (if it was
// the last member of an inline one) its service group.
func (s *Sim) deleteInstance(inst *instance) api.State {
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
// OpenAPI spec). The process is stopped; traffic boots it again (front.go).
func (s *Sim) idleWatch(inst *instance, r *run) {
	defer s.wg.Done()
	cooldown := time.Duration(inst.s2z.CooldownTimeMs) * time.Millisecond
	if cooldown <= 0 {
		cooldown = time.Second
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
		idle := inst.run == r && inst.state == api.StateRunning && inst.conns == 0 && time.Since(inst.lastActive) > cooldown
		if idle {
			s.stopLocked(inst, intentStandby)
		}
		s.mu.Unlock()
	}
}
