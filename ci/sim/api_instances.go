package sim

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// defaultMemoryMB is memory_mb's default ("Default is 128").
const defaultMemoryMB = 128

// nameRE is what the simulator accepts as an instance, group or volume
// name: a DNS label, since "<name>.internal" must resolve.
var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func (s *Sim) handleCreateInstance(c *call) {
	var req createInstanceRequest
	if err := c.decode(&req); err != nil {
		s.malformed(c, err)
		return
	}
	s.mu.Lock()
	inst, st := s.createLocked(req)
	var wait time.Duration
	if inst != nil && req.Autostart {
		s.startLocked(inst)
		wait = blockFor(req.TimeoutS, req.WaitTimeoutMs)
	}
	s.mu.Unlock()
	if inst == nil {
		respond(s, c, []instanceItem{{result: st, Name: req.Name}})
		return
	}
	if s.faults.takeReset() { // carried out, then the connection drops
		s.logf("fault: connection reset after creating instance %s", inst.name)
		resetConnection(c.w)
		return
	}
	if wait > 0 {
		s.waitState(c.r.Context(), inst, spec.StateRunning, wait)
	}
	s.mu.Lock()
	v := s.instanceViewLocked(inst)
	s.mu.Unlock()
	respond(s, c, []instanceItem{v})
}

// blockFor is how long a create or start blocks for running: timeout_s,
// or the deprecated wait_timeout_ms rounded up to whole seconds, as the
// spec describes the two.
func blockFor(timeoutS, waitTimeoutMs int64) time.Duration {
	if timeoutS > 0 {
		return time.Duration(timeoutS) * time.Second
	}
	if waitTimeoutMs > 0 {
		return time.Duration((waitTimeoutMs+999)/1000) * time.Second
	}
	return 0
}

// createLocked builds the instance of a checked create request. On
// failure it returns nil and the item's result.
func (s *Sim) createLocked(req createInstanceRequest) (*instance, result) {
	inst := &instance{uuid: newUUID(), createdAt: time.Now(), args: req.Args, env: req.Env,
		memoryMB: req.MemoryMB, vcpus: int(max(req.VCPUs, 1)), s2z: req.ScaleToZero, features: req.Features,
		tags: req.Tags, restart: parseRestart(req.RestartPolicy), state: spec.StateStopped}
	if st := s.checkCreateLocked(req, inst); st.failed() {
		return nil, st
	}
	ref := parseImageRef(req.Image, s.ep.Registry)
	_, digest, _, err := s.reg.manifest(ref.Repo, ref.Reference())
	if err != nil || !s.propagated(digest) {
		return nil, failure(spec.ErrNotFound, fmt.Sprintf("Image '%s' not found", req.Image))
	}
	inst.imageTag, inst.image = ref.Tag, imageRef{Repo: ref.Repo, Digest: digest}
	if st := s.joinGroupLocked(inst, req.ServiceGroup); st.failed() {
		return nil, st
	}
	if st := s.mountVolumesLocked(inst, req.Volumes); st.failed() {
		s.leaveGroupLocked(inst)
		return nil, st
	}
	ip, err := s.net.allocIP()
	if err != nil {
		s.leaveGroupLocked(inst)
		return nil, failure(spec.ErrNoFree, fmt.Sprintf("No free private IP: %v", err))
	}
	inst.ip = ip
	s.instances[inst.uuid] = inst
	s.notifyLocked()
	return inst, success
}

// parseRestart reads restart_policy in either spelling (the checker has
// held it to the dialect's).
func parseRestart(p string) restartPolicy {
	switch p {
	case spec.RestartAlways:
		return restartAlways
	case spec.RestartOnFailureV1, spec.RestartOnFailureLegacy:
		return restartOnFailure
	}
	return restartNever
}

// restartName is p as the dialect spells it.
func (s *Sim) restartName(p restartPolicy) string {
	switch p {
	case restartAlways:
		return spec.RestartAlways
	case restartOnFailure:
		return spec.RestartOnFailure(s.opts.Dialect)
	}
	return spec.RestartNever
}

// checkCreateLocked applies what the description cannot: what exists,
// and what the simulator does not play.
func (s *Sim) checkCreateLocked(req createInstanceRequest, inst *instance) result {
	if req.Image == "" {
		return failure(spec.ErrInvalid, "No image specified")
	}
	switch {
	case req.Replicas > 0:
		return failure(spec.ErrNotSupported, "replicas are not supported by the simulator")
	case len(req.Template) > 0:
		return failure(spec.ErrNotSupported, "templates are not supported by the simulator")
	case len(req.Roms) > 0:
		return failure(spec.ErrNotSupported, "ROMs are not supported by the simulator")
	case len(req.Schedules) > 0 || len(req.Autokill) > 0:
		return failure(spec.ErrNotSupported, "schedules and autokill are not supported by the simulator")
	}
	inst.name = req.Name
	if inst.name == "" {
		inst.name = instanceName(parseImageRef(req.Image, s.ep.Registry).Repo)
	}
	if !nameRE.MatchString(inst.name) {
		return failure(spec.ErrInvalid, fmt.Sprintf("Invalid instance name '%s'", inst.name))
	}
	if s.instanceByNameLocked(inst.name) != nil {
		return failure(spec.ErrAlreadyExists, fmt.Sprintf("Instance with name '%s' already exists", inst.name))
	}
	if inst.memoryMB == 0 {
		inst.memoryMB = defaultMemoryMB
	}
	return success
}

func (s *Sim) instanceByNameLocked(name string) *instance {
	for _, inst := range s.instances {
		if inst.name == name {
			return inst
		}
	}
	return nil
}

// findLocked resolves a ref (exactly one of uuid and name, as the checker
// ensures) to an instance or the spec's NotFound item.
func (s *Sim) findLocked(r ref) (*instance, result) {
	if r.UUID != "" {
		if inst, ok := s.instances[r.UUID]; ok {
			return inst, success
		}
		return nil, failure(spec.ErrNotFound, fmt.Sprintf("No instance with UUID '%s'", r.UUID))
	}
	if inst := s.instanceByNameLocked(r.Name); inst != nil {
		return inst, success
	}
	return nil, failure(spec.ErrNotFound, fmt.Sprintf("No instance with name '%s'", r.Name))
}

func (s *Sim) handleGetInstances(c *call) {
	refs, err := items(c, setRef)
	if err != nil {
		s.malformed(c, err)
		return
	}
	details := c.r.URL.Query().Get("details") != "false"
	s.mu.Lock()
	var out []instanceItem
	if len(refs) == 0 {
		all := listing(s.sortedInstancesLocked(), c.r.URL.Query(), func(i *instance) string { return i.uuid },
			func(i *instance) time.Time { return i.createdAt }, func(i *instance) []string { return i.tags })
		for _, inst := range all {
			out = append(out, s.maybeDetailsLocked(inst, details))
		}
	}
	for _, r := range refs {
		inst, st := s.findLocked(r)
		if inst == nil {
			out = append(out, instanceItem{result: st, UUID: r.UUID, Name: r.Name})
			continue
		}
		out = append(out, s.maybeDetailsLocked(inst, details))
	}
	s.mu.Unlock()
	respond(s, c, out)
}

func (s *Sim) maybeDetailsLocked(inst *instance, details bool) instanceItem {
	if !details {
		return instanceItem{result: success, UUID: inst.uuid, Name: inst.name}
	}
	return s.instanceViewLocked(inst)
}

// sortedInstancesLocked lists instances oldest first.
func (s *Sim) sortedInstancesLocked() []*instance {
	var all []*instance
	for _, inst := range s.instances {
		all = append(all, inst)
	}
	slices.SortFunc(all, func(a, b *instance) int { return a.createdAt.Compare(b.createdAt) })
	return all
}

func (s *Sim) handleDeleteInstances(c *call) {
	refs, err := items(c, setRef)
	if err != nil {
		s.malformed(c, err)
		return
	}
	var out []instanceItem
	for _, r := range refs {
		s.mu.Lock()
		inst, st := s.findLocked(r)
		s.mu.Unlock()
		if inst == nil {
			out = append(out, instanceItem{result: st, UUID: r.UUID, Name: r.Name})
			continue
		}
		prev := s.deleteInstance(inst)
		out = append(out, instanceItem{result: success, UUID: inst.uuid, Name: inst.name, PreviousState: prev})
	}
	respond(s, c, out)
}

func (s *Sim) handleStopInstances(c *call) {
	reqs, err := items(c, func(x *stopRequest, id string) { x.ref = ref{UUID: id} })
	if err != nil {
		s.malformed(c, err)
		return
	}
	if s.opts.Dialect == spec.Legacy && c.form.Op == "StopInstanceByUUID" {
		// The legacy by-UUID stop takes force and drain_timeout_ms in the query.
		q := c.r.URL.Query()
		reqs[0].Force = q.Get("force") == "true"
		reqs[0].DrainTimeoutMs, _ = strconv.ParseInt(q.Get("drain_timeout_ms"), 10, 64)
	}
	var out []instanceItem
	s.mu.Lock()
	for _, req := range reqs {
		out = append(out, s.stopOneLocked(req))
	}
	s.mu.Unlock()
	respond(s, c, out)
}

// stopOneLocked answers one stop. A drain timeout (ignored with force, as
// the by-UUID body's text says; the batch form refuses the two together)
// drains first (lifecycle.go). quick ("a quick shutdown", overridden by
// force) is a plain stop here: the simulator's apps have no slower one.
// Caller holds s.mu.
func (s *Sim) stopOneLocked(req stopRequest) instanceItem {
	inst, st := s.findLocked(req.ref)
	if inst == nil {
		return instanceItem{result: st, UUID: req.UUID, Name: req.Name}
	}
	prev := inst.state
	if req.IfState != "" && req.IfState != inst.state { // "Only stop the instance if it is in this state"
		return instanceItem{result: success, UUID: inst.uuid, Name: inst.name, State: inst.state, PreviousState: prev}
	}
	switch {
	case req.Force:
		s.stopLocked(inst, intentForce)
	case req.DrainTimeoutMs != 0:
		s.drainLocked(inst, drainDuration(req.DrainTimeoutMs))
	default:
		s.stopLocked(inst, intentStop)
	}
	return instanceItem{result: success, UUID: inst.uuid, Name: inst.name, State: inst.state, PreviousState: prev}
}

// maxDrain is what drain_timeout_ms -1 ("the largest possible value")
// means here: the legacy spec's maximum, one hour.
const maxDrain = time.Hour

func drainDuration(ms int64) time.Duration {
	if ms < 0 || time.Duration(ms)*time.Millisecond > maxDrain {
		return maxDrain
	}
	return time.Duration(ms) * time.Millisecond
}

func (s *Sim) handleStartInstances(c *call) {
	reqs, err := items(c, func(x *startRequest, id string) { x.ref = ref{UUID: id} })
	if err != nil {
		s.malformed(c, err)
		return
	}
	if s.opts.Dialect == spec.Legacy && c.form.Op == "StartInstanceByUUID" {
		reqs[0].WaitTimeoutMs, _ = strconv.ParseInt(c.r.URL.Query().Get("wait_timeout_ms"), 10, 64)
	}
	var out []instanceItem
	for _, req := range reqs {
		s.mu.Lock()
		inst, st := s.findLocked(req.ref)
		if inst == nil {
			s.mu.Unlock()
			out = append(out, instanceItem{result: st, UUID: req.UUID, Name: req.Name})
			continue
		}
		prev := inst.state
		s.abortRestartsLocked(inst) // a manual start ends the restart sequence
		s.startLocked(inst)
		s.mu.Unlock()
		if wait := blockFor(req.TimeoutS, req.WaitTimeoutMs); wait > 0 {
			s.waitState(c.r.Context(), inst, spec.StateRunning, wait)
		}
		s.mu.Lock()
		out = append(out, instanceItem{result: success, UUID: inst.uuid, Name: inst.name, State: inst.state, PreviousState: prev})
		s.mu.Unlock()
	}
	respond(s, c, out)
}

// handleWaitInstances blocks until each instance reaches its state, or
// answers the timeout in the shape Options.Answers.WaitTimeout selects.
func (s *Sim) handleWaitInstances(c *call) {
	reqs, err := items(c, func(x *waitRequest, id string) { x.ref = ref{UUID: id} })
	if err != nil {
		s.malformed(c, err)
		return
	}
	var out []instanceItem
	timedOut := ""
	for _, req := range reqs {
		it, late := s.waitOne(c.r.Context(), req)
		if late != "" && timedOut == "" {
			timedOut = late
		}
		if !c.form.ItemHas("status") { // v1's wait items have none
			it.Status = ""
		}
		out = append(out, it)
	}
	switch {
	case timedOut == "" || s.opts.Answers.WaitTimeout == AnswerItem:
		respond(s, c, out)
	case s.opts.Answers.WaitTimeout == AnswerMessage:
		s.writeJSON(c.w, http.StatusOK, envelope{Status: spec.FailedStatus(s.opts.Dialect), Message: timedOut,
			Data: map[string]any{c.form.Kind: []instanceItem{}}, OpTimeUs: max(time.Since(c.start).Microseconds(), 1)})
	default: // AnswerHTTP408
		s.writeRefusal(c.w, c.form, &spec.Refusal{Status: http.StatusRequestTimeout, Code: spec.ErrTimedOut, Message: timedOut})
	}
}

// waitOne waits for one item; late is the timeout's message, if it timed out.
func (s *Sim) waitOne(ctx context.Context, req waitRequest) (it instanceItem, late string) {
	s.mu.Lock()
	inst, st := s.findLocked(req.ref)
	s.mu.Unlock()
	if inst == nil {
		return instanceItem{result: st, UUID: req.UUID, Name: req.Name}, ""
	}
	want := req.State
	if want == "" {
		want = spec.StateRunning // "Default is running"
	}
	timeout := time.Duration(-1)
	if req.TimeoutMs != nil {
		timeout = time.Duration(*req.TimeoutMs) * time.Millisecond
	}
	got := s.waitState(ctx, inst, want, timeout)
	if got != want {
		msg := fmt.Sprintf("Timed out waiting for instance '%s' to reach state '%s' (it is '%s')", inst.name, want, got)
		return instanceItem{result: failure(spec.ErrTimedOut, msg), UUID: inst.uuid, Name: inst.name, State: got}, msg
	}
	return instanceItem{result: success, UUID: inst.uuid, Name: inst.name, State: got}, ""
}

// waitState waits until inst is in state want, the timeout passes (a
// negative timeout waits until the client goes away) or it is deleted. It
// returns the state at the end.
func (s *Sim) waitState(ctx context.Context, inst *instance, want string, timeout time.Duration) string {
	if timeout >= 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	for {
		s.mu.Lock()
		state, ch, gone := inst.state, s.changed, inst.deleted
		s.mu.Unlock()
		if state == want || gone {
			return state
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return state
		}
	}
}

// maxLogPage is the largest page both SDKs ask for (4096*4-1), the legacy
// spec's limit maximum.
const maxLogPage = 16383

// handleLogs answers the console output of one instance, base64, with
// the available window and the returned range.
func (s *Sim) handleLogs(c *call) {
	reqs, err := items(c, func(x *logRequest, id string) { x.ref = ref{UUID: id} })
	if err != nil {
		s.malformed(c, err)
		return
	}
	var out []logItem
	for i, req := range reqs {
		var it logItem
		if i > 0 {
			it = logItem{result: failure(spec.ErrTooMany, "Only one instance can be specified"), UUID: req.UUID, Name: req.Name}
		} else {
			it = s.logsOne(req)
		}
		if !c.form.ItemHas("status") { // v1's log items have none
			it.Status = ""
		}
		if s.opts.Dialect == spec.Legacy {
			it.State = ""
		}
		out = append(out, it)
	}
	respond(s, c, out)
}

func (s *Sim) logsOne(req logRequest) logItem {
	s.mu.Lock()
	inst, st := s.findLocked(req.ref)
	var state string
	if inst != nil {
		state = inst.state
	}
	s.mu.Unlock()
	if inst == nil {
		return logItem{result: st, UUID: req.UUID, Name: req.Name}
	}
	// Defaults: the legacy spec's (offset -4096, limit 4096); v1 gives
	// none, and 0 is the start of the log there.
	offset, limit := int64(0), int64(4096)
	if s.opts.Dialect == spec.Legacy {
		offset = -4096
	}
	if req.Offset != nil {
		offset = *req.Offset
	}
	if req.Limit != nil && *req.Limit > 0 {
		limit = *req.Limit
	}
	limit = min(limit, maxLogPage)
	out := logItem{result: success, UUID: inst.uuid, Name: inst.name, State: state}
	b, from, inRange := inst.logs.read(offset, limit)
	if !inRange { // observed: out of range gives available 0..0
		return out
	}
	out.Available.Start, out.Available.End = inst.logs.window()
	out.Range = byteRange{Start: from, End: from + int64(len(b))}
	out.Output = base64.StdEncoding.EncodeToString(b)
	return out
}
