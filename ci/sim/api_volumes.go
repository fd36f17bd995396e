package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// Volumes are host directories under the simulator's dir, bound into the
// instances that mount them (size_mb is recorded, not enforced).

func (s *Sim) handleCreateVolumes(c *call) {
	var reqs []createVolumeRequest
	if c.form.Batch() { // legacy: an array of {name, size_mb}
		if err := c.decode(&reqs); err != nil {
			s.malformed(c, err)
			return
		}
	} else {
		var one createVolumeRequest
		if err := c.decode(&one); err != nil {
			s.malformed(c, err)
			return
		}
		reqs = []createVolumeRequest{one}
	}
	var out []volumeItem
	s.mu.Lock()
	for _, req := range reqs {
		if req.Template != nil || req.HostPath != "" {
			out = append(out, volumeItem{result: failure(spec.ErrNotSupported, "template and host_path volumes are not supported by the simulator"), Name: req.Name})
			continue
		}
		v, st := s.newVolumeLocked(req.Name, req.SizeMB)
		if v == nil {
			out = append(out, volumeItem{result: st, Name: req.Name})
			continue
		}
		v.tags = req.Tags
		// CreateVolumeResponseVolume: status, uuid, name, state (v1);
		// status, uuid, name (legacy).
		it := volumeItem{result: success, UUID: v.uuid, Name: v.name, State: spec.VolumeAvailable}
		if s.opts.Dialect == spec.Legacy {
			it.State = ""
		}
		out = append(out, it)
	}
	s.mu.Unlock()
	respond(s, c, out)
}

func (s *Sim) newVolumeLocked(name string, sizeMB int64) (*volume, result) {
	v := &volume{uuid: newUUID(), name: name, createdAt: time.Now(), sizeMB: sizeMB}
	if v.name == "" {
		v.name = "vol-" + randLower(5) // "vol-X ... a 5 character long random alphanumeric suffix"
	}
	switch {
	case !nameRE.MatchString(v.name):
		return nil, failure(spec.ErrInvalid, fmt.Sprintf("Invalid volume name '%s'", v.name))
	case s.volumeByNameLocked(v.name) != nil:
		return nil, failure(spec.ErrAlreadyExists, fmt.Sprintf("Volume with name '%s' already exists", v.name))
	}
	v.dir = filepath.Join(s.dir, "volumes", v.uuid)
	if err := os.MkdirAll(v.dir, 0o755); err != nil {
		return nil, failure(spec.ErrFailedOperation, fmt.Sprintf("create volume: %v", err))
	}
	s.volumes[v.uuid] = v
	return v, success
}

func (s *Sim) volumeByNameLocked(name string) *volume {
	for _, v := range s.volumes {
		if v.name == name {
			return v
		}
	}
	return nil
}

func (s *Sim) findVolumeLocked(r ref) (*volume, result) {
	if r.UUID != "" {
		if v, ok := s.volumes[r.UUID]; ok {
			return v, success
		}
		return nil, failure(spec.ErrNotFound, fmt.Sprintf("No volume with UUID '%s'", r.UUID))
	}
	if v := s.volumeByNameLocked(r.Name); v != nil {
		return v, success
	}
	return nil, failure(spec.ErrNotFound, fmt.Sprintf("No volume with name '%s'", r.Name))
}

// volumeViewLocked renders a volume. It is "mounted" while a member
// instance runs, "available" otherwise.
func (s *Sim) volumeViewLocked(v *volume) volumeItem {
	out := volumeItem{result: success, UUID: v.uuid, Name: v.name, CreatedAt: stamp(v.createdAt),
		State: spec.VolumeAvailable, SizeMB: v.sizeMB, Persistent: true}
	if s.opts.Dialect != spec.Legacy {
		out.FreeMB, out.Filesystem, out.Tags = v.sizeMB, "ext4", v.tags
	}
	for _, inst := range v.mounts {
		out.AttachedTo = append(out.AttachedTo, ref{UUID: inst.uuid, Name: inst.name})
		if inst.run != nil {
			out.State = spec.VolumeMounted
			ro := slices.ContainsFunc(inst.volumes, func(m volumeMount) bool { return m.vol == v && m.readOnly })
			out.MountedBy = append(out.MountedBy, mountedView{UUID: inst.uuid, Name: inst.name, ReadOnly: ro})
		}
	}
	return out
}

// mountVolumesLocked attaches the volumes of a create request: existing
// ones by uuid or name, or new ones created with a name and size_mb.
func (s *Sim) mountVolumesLocked(inst *instance, mounts []mountRequest) result {
	for _, m := range mounts {
		if m.HostPath != "" {
			return failure(spec.ErrNotSupported, "host_path volumes are not supported by the simulator")
		}
		var v *volume
		st := success
		if m.SizeMB > 0 {
			if v, st = s.newVolumeLocked(m.Name, m.SizeMB); v != nil {
				v.tags = m.Tags
			}
		} else {
			v, st = s.findVolumeLocked(ref{UUID: m.UUID, Name: m.Name})
		}
		if v == nil {
			return st
		}
		if st := s.attachLocked(v, inst, m.At, m.ReadOnly); st.failed() {
			return st
		}
	}
	return success
}

func (s *Sim) attachLocked(v *volume, inst *instance, at string, readOnly bool) result {
	if slices.Contains(v.mounts, inst) {
		return failure(spec.ErrAttached, fmt.Sprintf("Volume '%s' is already attached to '%s'", v.name, inst.name))
	}
	inst.volumes = append(inst.volumes, volumeMount{vol: v, at: at, readOnly: readOnly})
	v.mounts = append(v.mounts, inst)
	return success
}

func (s *Sim) handleGetVolumes(c *call) {
	refs, err := items(c, setRef)
	if err != nil {
		s.malformed(c, err)
		return
	}
	var out []volumeItem
	s.mu.Lock()
	if len(refs) == 0 {
		var all []*volume
		for _, v := range s.volumes {
			all = append(all, v)
		}
		slices.SortFunc(all, func(a, b *volume) int { return a.createdAt.Compare(b.createdAt) })
		all = listing(all, c.r.URL.Query(), func(v *volume) string { return v.uuid },
			func(v *volume) time.Time { return v.createdAt }, func(v *volume) []string { return v.tags })
		for _, v := range all {
			if c.r.URL.Query().Get("details") == "false" {
				out = append(out, volumeItem{result: success, UUID: v.uuid, Name: v.name})
				continue
			}
			out = append(out, s.volumeViewLocked(v))
		}
	}
	for _, r := range refs {
		if v, st := s.findVolumeLocked(r); v == nil {
			out = append(out, volumeItem{result: st, UUID: r.UUID, Name: r.Name})
		} else {
			out = append(out, s.volumeViewLocked(v))
		}
	}
	s.mu.Unlock()
	respond(s, c, out)
}

// stoppedLocked reports whether volumes may be changed on inst: attach
// and detach require the instance to be stopped.
func stoppedLocked(inst *instance) bool {
	return inst.run == nil
}

func (s *Sim) handleAttachVolumes(c *call) {
	perItem(s, c, func(x *attachRequest, id string) { x.ref = ref{UUID: id} }, s.attachOneLocked)
}

// attachOneLocked answers AttachVolumesResponseAttachedVolume: status,
// uuid, name (message, error).
func (s *Sim) attachOneLocked(req attachRequest) volumeItem {
	v, st := s.findVolumeLocked(req.ref)
	if v == nil {
		return volumeItem{result: st, UUID: req.UUID, Name: req.Name}
	}
	inst, st := s.findLocked(req.AttachTo)
	if inst == nil {
		return volumeItem{result: st, UUID: v.uuid, Name: v.name}
	}
	if !stoppedLocked(inst) {
		return volumeItem{result: failure(spec.ErrFailedWrongVMState, fmt.Sprintf("Instance '%s' must be stopped", inst.name)), UUID: v.uuid, Name: v.name}
	}
	if st := s.attachLocked(v, inst, req.At, req.ReadOnly); st.failed() {
		return volumeItem{result: st, UUID: v.uuid, Name: v.name}
	}
	return volumeItem{result: success, UUID: v.uuid, Name: v.name}
}

func (s *Sim) handleDetachVolumes(c *call) {
	perItem(s, c, func(x *detachRequest, id string) { x.ref = ref{UUID: id} }, s.detachOneLocked)
}

func (s *Sim) detachOneLocked(req detachRequest) volumeItem {
	v, st := s.findVolumeLocked(req.ref)
	if v == nil {
		return volumeItem{result: st, UUID: req.UUID, Name: req.Name}
	}
	if len(v.mounts) == 0 {
		return volumeItem{result: failure(spec.ErrNotAttached, fmt.Sprintf("Volume '%s' is not attached", v.name)), UUID: v.uuid, Name: v.name}
	}
	var keep []*instance
	for _, inst := range v.mounts {
		if req.From != nil && req.From.UUID != inst.uuid && req.From.Name != inst.name {
			keep = append(keep, inst)
			continue
		}
		if !stoppedLocked(inst) {
			return volumeItem{result: failure(spec.ErrFailedWrongVMState, fmt.Sprintf("Instance '%s' must be stopped", inst.name)), UUID: v.uuid, Name: v.name}
		}
	}
	for _, inst := range v.mounts {
		if !slices.Contains(keep, inst) {
			inst.volumes = slices.DeleteFunc(inst.volumes, func(m volumeMount) bool { return m.vol == v })
		}
	}
	v.mounts = keep
	return volumeItem{result: success, UUID: v.uuid, Name: v.name}
}

func (s *Sim) handleCloneVolumes(c *call) {
	perItem(s, c, func(x *cloneRequest, id string) { x.ref = ref{UUID: id} }, s.cloneOneLocked)
}

// cloneOneLocked copies a volume's files into a new volume of the same
// size. As the clone endpoints say, the source must not be mounted
// read-write by a running instance ("must not be mounted to any instance
// or only mounted as read-only"); the copy is "vol-X" if unnamed, and
// answers CloneVolumesResponseVolume (status, uuid, name, state).
func (s *Sim) cloneOneLocked(req cloneRequest) volumeItem {
	src, st := s.findVolumeLocked(req.ref)
	if src == nil {
		return volumeItem{result: st, UUID: req.UUID, Name: req.Name}
	}
	for _, inst := range src.mounts {
		rw := slices.ContainsFunc(inst.volumes, func(m volumeMount) bool { return m.vol == src && !m.readOnly })
		if inst.run != nil && rw {
			return volumeItem{result: failure(spec.ErrFailedWrongVMState,
				fmt.Sprintf("Volume '%s' is mounted read-write by instance '%s'", src.name, inst.name)), UUID: src.uuid, Name: src.name}
		}
	}
	dst, st := s.newVolumeLocked(req.VolName, src.sizeMB)
	if dst == nil {
		return volumeItem{result: st, Name: req.VolName}
	}
	dst.tags = req.Tags
	if err := copyVolume(dst.dir, src.dir); err != nil {
		delete(s.volumes, dst.uuid)
		_ = os.RemoveAll(dst.dir)
		return volumeItem{result: failure(spec.ErrFailedOperation, fmt.Sprintf("clone volume: %v", err)), UUID: src.uuid, Name: src.name}
	}
	return volumeItem{result: success, UUID: dst.uuid, Name: dst.name, State: spec.VolumeAvailable}
}

func (s *Sim) handleDeleteVolumes(c *call) {
	perItem(s, c, setRef, s.deleteVolumeLocked)
}

func (s *Sim) deleteVolumeLocked(r ref) volumeItem {
	v, st := s.findVolumeLocked(r)
	switch {
	case v == nil:
		return volumeItem{result: st, UUID: r.UUID, Name: r.Name}
	case len(v.mounts) > 0:
		return volumeItem{result: failure(spec.ErrAttached, fmt.Sprintf("Volume '%s' is attached", v.name)), UUID: v.uuid, Name: v.name}
	default:
		delete(s.volumes, v.uuid)
		_ = os.RemoveAll(v.dir)
		return volumeItem{result: success, UUID: v.uuid, Name: v.name}
	}
}
