package sim

import (
	"context"
	"encoding/base64"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// Memory bounds the simulator reports in quotas and enforces on create.
const (
	defaultMemoryMB = 128 // memory_mb's default in the current OpenAPI spec
	minMemoryMB     = 16
	maxMemoryMB     = 4096
)

// nameRE is what the simulator accepts as an instance, group or volume
// name: a DNS label, since "<name>.internal" must resolve.
var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

func (s *Sim) handleCreateInstance(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	items, err := decodeItems(r, func(*api.CreateInstanceRequest, string) {})
	if err != nil || len(items) != 1 {
		if err == nil {
			err = errOneObject
		}
		malformed(w, err)
		return
	}
	req := items[0]
	s.mu.Lock()
	inst, st := s.createLocked(req)
	var wait time.Duration
	if inst != nil && req.Autostart {
		s.startLocked(inst)
		wait = createWait(req)
	}
	s.mu.Unlock()
	if inst == nil {
		respond(w, start, api.KindInstances, []api.Instance{{ItemStatus: st, Name: req.Name}})
		return
	}
	if wait > 0 {
		s.waitState(r.Context(), inst, api.StateRunning, wait)
	}
	s.mu.Lock()
	v := s.viewLocked(inst)
	s.mu.Unlock()
	respond(w, start, api.KindInstances, []api.Instance{v})
}

// createWait is how long a create blocks for running: timeout_s, or the
// deprecated wait_timeout_ms rounded up to seconds, as the OpenAPI spec
// describes the two.
func createWait(req api.CreateInstanceRequest) time.Duration {
	if req.TimeoutS > 0 {
		return time.Duration(req.TimeoutS) * time.Second
	}
	if req.WaitTimeoutMs > 0 {
		return time.Duration((req.WaitTimeoutMs+999)/1000) * time.Second
	}
	return 0
}

type simError string

func (e simError) Error() string { return string(e) }

const errOneObject = simError("POST /v1/instances takes one JSON object")

// createLocked validates a create request and builds the instance. On
// failure it returns nil and the item's error.
func (s *Sim) createLocked(req api.CreateInstanceRequest) (*instance, api.ItemStatus) {
	inst := &instance{uuid: newUUID(), createdAt: time.Now(), args: req.Args, env: req.Env,
		memoryMB: req.MemoryMB, vcpus: max(req.VCPUs, 1), s2z: req.ScaleToZero, features: req.Features,
		tags: req.Tags, restart: req.RestartPolicy, state: api.StateStopped}
	if st := s.checkCreateLocked(req, inst); st.Failed() {
		return nil, st
	}
	ref := parseImageRef(req.Image, s.ep.Registry)
	_, digest, _, err := s.reg.manifest(ref.Repo, ref.Reference())
	if err != nil {
		return nil, itemError(api.ErrNotFound, "Image '%s' not found", req.Image)
	}
	inst.imageTag, inst.image = ref.Tag, imageRef{Repo: ref.Repo, Digest: digest}
	if st := s.joinGroupLocked(inst, req.ServiceGroup); st.Failed() {
		return nil, st
	}
	if st := s.mountVolumesLocked(inst, req.Volumes); st.Failed() {
		s.leaveGroupLocked(inst)
		return nil, st
	}
	ip, err := s.net.allocIP()
	if err != nil {
		s.leaveGroupLocked(inst)
		return nil, itemError(api.ErrNoFree, "No free private IP: %v", err)
	}
	inst.ip = ip
	s.instances[inst.uuid] = inst
	s.notifyLocked()
	return inst, success
}

// checkCreateLocked applies the request rules that need no lookups.
func (s *Sim) checkCreateLocked(req api.CreateInstanceRequest, inst *instance) api.ItemStatus {
	if req.Image == "" {
		return itemError(api.ErrInvalid, "No image specified")
	}
	inst.name = req.Name
	if inst.name == "" {
		inst.name = instanceName(parseImageRef(req.Image, s.ep.Registry).Repo)
	}
	if !nameRE.MatchString(inst.name) {
		return itemError(api.ErrInvalid, "Invalid instance name '%s'", inst.name)
	}
	if s.instanceByNameLocked(inst.name) != nil {
		return itemError(api.ErrAlreadyExists, "Instance with name '%s' already exists", inst.name)
	}
	if inst.memoryMB == 0 {
		inst.memoryMB = defaultMemoryMB
	}
	if inst.memoryMB < minMemoryMB {
		return itemError(api.ErrGuestMemoryTooSmall, "memory_mb %d is below the minimum of %d", inst.memoryMB, minMemoryMB)
	}
	if inst.memoryMB > maxMemoryMB {
		return itemError(api.ErrQuota, "memory_mb %d is above the maximum of %d", inst.memoryMB, maxMemoryMB)
	}
	switch inst.restart {
	case "":
		inst.restart = api.RestartNever
	case api.RestartNever, api.RestartAlways, api.RestartOnFailure:
	default:
		return itemError(api.ErrInvalid, "Invalid restart_policy '%s'", inst.restart)
	}
	if hasFeature(inst.features, api.FeatureDeleteOnStop) && inst.restart != api.RestartNever {
		return itemError(api.ErrInvalid, "Feature 'delete-on-stop' requires restart_policy 'never'")
	}
	if req.Replicas > 0 {
		return itemError(api.ErrNotSupported, "replicas are not supported by the simulator")
	}
	if s2z := req.ScaleToZero; s2z != nil && s2z.Policy != "" && s2z.Policy != api.ScaleToZeroOff && req.ServiceGroup == nil {
		return itemError(api.ErrInvalid, "scale_to_zero requires a service_group")
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

// findLocked resolves a Ref to an instance or the documented NotFound item.
func (s *Sim) findLocked(ref api.Ref) (*instance, api.ItemStatus) {
	switch {
	case ref.UUID != "" && ref.Name != "":
		return nil, itemError(api.ErrNotBoth, "Specify either uuid or name, not both")
	case ref.UUID != "":
		if inst, ok := s.instances[ref.UUID]; ok {
			return inst, success
		}
		return nil, itemError(api.ErrNotFound, "No instance with UUID '%s'", ref.UUID)
	case ref.Name != "":
		if inst := s.instanceByNameLocked(ref.Name); inst != nil {
			return inst, success
		}
		return nil, itemError(api.ErrNotFound, "No instance with name '%s'", ref.Name)
	}
	return nil, itemError(api.ErrMissingID, "No uuid or name given")
}

// viewLocked renders an instance as the API's Instance object.
func (s *Sim) viewLocked(inst *instance) api.Instance {
	v := api.Instance{
		ItemStatus: success, UUID: inst.uuid, Name: inst.name,
		PrivateIP: inst.ip.String(), PrivateFQDN: inst.name + ".internal",
		State: inst.state, CreatedAt: stamp(inst.createdAt), StartedAt: stamp(inst.startedAt), StoppedAt: stamp(inst.stoppedAt),
		Image:    imageDisplay(inst),
		MemoryMB: inst.memoryMB, VCPUs: inst.vcpus, Args: inst.args, Env: inst.env,
		NetworkInterfaces: []api.NetworkInterface{{UUID: inst.uuid, PrivateIP: inst.ip.String(), MAC: macFor(inst.ip)}},
		StartCount:        inst.startCount, RestartCount: inst.restartCount, RestartPolicy: inst.restart,
		StopReason: inst.stopReason, ExitCode: inst.exitCode, StopCode: inst.stopCode,
		BootTimeUs: inst.bootTimeUs, NetTimeUs: inst.netTimeUs, UptimeMs: s.uptimeLocked(inst).Milliseconds(),
		Features: inst.features, Tags: inst.tags,
	}
	if inst.s2z != nil {
		z := *inst.s2z
		z.Enabled = z.Policy != "" && z.Policy != api.ScaleToZeroOff
		if z.Enabled && z.CooldownTimeMs == 0 {
			z.CooldownTimeMs = 1000
		}
		v.ScaleToZero = &z
	}
	if inst.sg != nil {
		v.ServiceGroup = s.groupRefLocked(inst.sg)
	}
	for _, m := range inst.volumes {
		v.Volumes = append(v.Volumes, api.VolumeMount{UUID: m.vol.uuid, Name: m.vol.name, At: m.at, ReadOnly: m.readOnly})
	}
	if !inst.restartAt.IsZero() {
		v.Restart = &api.RestartInfo{Attempt: inst.restartCount, NextAt: stamp(inst.restartAt)}
	}
	return v
}

// imageDisplay is the pinned image as the platform's GET shows it:
// "oci://unikraft.io/<repo>:<tag>@sha256:...".
func imageDisplay(inst *instance) string {
	s := "oci://unikraft.io/" + inst.image.Repo
	if inst.imageTag != "" {
		s += ":" + inst.imageTag
	}
	return s + "@" + inst.image.Digest
}

// uptimeLocked is the time the app has run, over all its runs.
func (s *Sim) uptimeLocked(inst *instance) time.Duration {
	up := inst.uptime
	if inst.run != nil && (inst.state == api.StateRunning || inst.state == api.StateStopping) {
		up += time.Since(inst.startedAt)
	}
	return up
}

func (s *Sim) handleGetInstances(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	refs, err := decodeItems(r, setRefUUID)
	if err != nil {
		malformed(w, err)
		return
	}
	details := r.URL.Query().Get("details") != "false"
	s.mu.Lock()
	var out []api.Instance
	if len(refs) == 0 {
		for _, inst := range s.sortedInstancesLocked() {
			out = append(out, s.maybeDetailsLocked(inst, details))
		}
	}
	for _, ref := range refs {
		inst, st := s.findLocked(ref)
		if inst == nil {
			out = append(out, api.Instance{ItemStatus: st, UUID: ref.UUID, Name: ref.Name})
			continue
		}
		out = append(out, s.maybeDetailsLocked(inst, details))
	}
	s.mu.Unlock()
	respond(w, start, api.KindInstances, out)
}

func (s *Sim) maybeDetailsLocked(inst *instance, details bool) api.Instance {
	if !details {
		return api.Instance{ItemStatus: success, UUID: inst.uuid, Name: inst.name}
	}
	return s.viewLocked(inst)
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

func (s *Sim) handleDeleteInstances(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	refs, err := decodeItems(r, setRefUUID)
	if err != nil {
		malformed(w, err)
		return
	}
	var out []api.Instance
	for _, ref := range refs {
		s.mu.Lock()
		inst, st := s.findLocked(ref)
		s.mu.Unlock()
		if inst == nil {
			out = append(out, api.Instance{ItemStatus: st, UUID: ref.UUID, Name: ref.Name})
			continue
		}
		prev := s.deleteInstance(inst)
		out = append(out, api.Instance{ItemStatus: success, UUID: inst.uuid, Name: inst.name, PreviousState: prev})
	}
	respond(w, start, api.KindInstances, out)
}

func (s *Sim) handleStopInstances(w http.ResponseWriter, r *http.Request) {
	perItem(s, w, r, api.KindInstances, func(x *api.StopRequest, id string) { x.Ref = api.Ref{UUID: id} }, s.stopOneLocked)
}

// stopOneLocked answers one stop request. Caller holds s.mu.
func (s *Sim) stopOneLocked(req api.StopRequest) api.Instance {
	inst, st := s.findLocked(req.Ref)
	if inst == nil {
		return api.Instance{ItemStatus: st, UUID: req.UUID, Name: req.Name}
	}
	if req.Force && req.DrainTimeoutMs > 0 {
		return api.Instance{ItemStatus: itemError(api.ErrNotBoth, "drain_timeout_ms cannot be combined with force"), UUID: inst.uuid, Name: inst.name}
	}
	prev := inst.state
	in := intentStop
	if req.Force {
		in = intentForce
	}
	s.stopLocked(inst, in)
	return api.Instance{ItemStatus: success, UUID: inst.uuid, Name: inst.name, State: inst.state, PreviousState: prev}
}

func (s *Sim) handleStartInstances(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqs, err := decodeItems(r, func(x *api.StartRequest, id string) { x.Ref = api.Ref{UUID: id} })
	if err != nil {
		malformed(w, err)
		return
	}
	var out []api.Instance
	for _, req := range reqs {
		s.mu.Lock()
		inst, st := s.findLocked(req.Ref)
		if inst == nil {
			s.mu.Unlock()
			out = append(out, api.Instance{ItemStatus: st, UUID: req.UUID, Name: req.Name})
			continue
		}
		prev := inst.state
		s.startLocked(inst)
		s.mu.Unlock()
		if req.TimeoutS > 0 {
			s.waitState(r.Context(), inst, api.StateRunning, time.Duration(req.TimeoutS)*time.Second)
		}
		s.mu.Lock()
		out = append(out, api.Instance{ItemStatus: success, UUID: inst.uuid, Name: inst.name, State: inst.state, PreviousState: prev})
		s.mu.Unlock()
	}
	respond(w, start, api.KindInstances, out)
}

// handleWaitInstances blocks until each instance reaches its state, or
// answers a TimedOut item, as the API reference describes the wait
// endpoint. The query's state and timeout_ms are defaults for the items
// (the current SDK sends both).
func (s *Sim) handleWaitInstances(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqs, err := decodeItems(r, func(x *api.WaitRequest, id string) { x.Ref = api.Ref{UUID: id} })
	if err != nil {
		malformed(w, err)
		return
	}
	q := r.URL.Query()
	defState, defTimeout := api.State(q.Get("state")), int64(-1)
	if t, err := strconv.ParseInt(q.Get("timeout_ms"), 10, 64); err == nil {
		defTimeout = t
	}
	var out []api.Instance
	for _, req := range reqs {
		out = append(out, s.waitOne(r.Context(), req, defState, defTimeout))
	}
	respond(w, start, api.KindInstances, out)
}

func (s *Sim) waitOne(ctx context.Context, req api.WaitRequest, defState api.State, defTimeout int64) api.Instance {
	s.mu.Lock()
	inst, st := s.findLocked(req.Ref)
	s.mu.Unlock()
	if inst == nil {
		return api.Instance{ItemStatus: st, UUID: req.UUID, Name: req.Name}
	}
	want := req.State
	if want == "" {
		want = defState
	}
	if want == "" {
		want = api.StateRunning
	}
	timeout := time.Duration(req.TimeoutMs) * time.Millisecond
	if req.TimeoutMs == 0 {
		timeout = time.Duration(defTimeout) * time.Millisecond
	}
	got := s.waitState(ctx, inst, want, timeout)
	if got != want {
		return api.Instance{ItemStatus: itemError(api.ErrTimedOut, "Timed out waiting for instance '%s' to reach state '%s' (it is '%s')", inst.name, want, got),
			UUID: inst.uuid, Name: inst.name, State: got}
	}
	return api.Instance{ItemStatus: success, UUID: inst.uuid, Name: inst.name, State: got}
}

// waitState waits until inst is in state want, the timeout passes (a
// negative timeout waits until the client goes away) or it is deleted. It
// returns the state at the end.
func (s *Sim) waitState(ctx context.Context, inst *instance, want api.State, timeout time.Duration) api.State {
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

// handleLogs answers the console output of one instance, base64, with the
// available window and the returned range, the log endpoint's answer in
// the OpenAPI spec.
func (s *Sim) handleLogs(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqs, err := decodeItems(r, func(x *api.LogRequest, id string) { x.Ref = api.Ref{UUID: id} })
	if err != nil {
		malformed(w, err)
		return
	}
	var out []api.LogOutput
	for i, req := range reqs {
		if i > 0 {
			out = append(out, api.LogOutput{ItemStatus: itemError(api.ErrTooMany, "Only one instance can be specified"), UUID: req.UUID, Name: req.Name})
			continue
		}
		out = append(out, s.logsOne(req))
	}
	respond(w, start, api.KindInstances, out)
}

func (s *Sim) logsOne(req api.LogRequest) api.LogOutput {
	s.mu.Lock()
	inst, st := s.findLocked(req.Ref)
	var state api.State
	if inst != nil {
		state = inst.state
	}
	s.mu.Unlock()
	if inst == nil {
		return api.LogOutput{ItemStatus: st, UUID: req.UUID, Name: req.Name}
	}
	limit := req.Limit
	if limit <= 0 {
		limit = 4096
	}
	limit = min(limit, api.MaxLogPage)
	out := api.LogOutput{ItemStatus: success, UUID: inst.uuid, Name: inst.name, State: state}
	b, from, inRange := inst.logs.read(req.Offset, limit)
	if !inRange { // the documented quirk: out of range gives available 0..0
		return out
	}
	out.Available.Start, out.Available.End = inst.logs.window()
	out.Range = api.ByteRange{Start: from, End: from + int64(len(b))}
	out.Output = base64.StdEncoding.EncodeToString(b)
	return out
}
