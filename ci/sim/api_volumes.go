package sim

import (
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// Volumes are host directories under the simulator's dir, bound into the
// instances that mount them (size_mb is recorded, not enforced).

func (s *Sim) handleCreateVolumes(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqs, err := decodeItems(r, func(*api.CreateVolumeRequest, string) {})
	if err != nil {
		malformed(w, err)
		return
	}
	var out []api.Volume
	s.mu.Lock()
	for _, req := range reqs {
		v, st := s.newVolumeLocked(req.Name, req.SizeMB)
		if v == nil {
			out = append(out, api.Volume{ItemStatus: st, Name: req.Name})
			continue
		}
		out = append(out, s.volumeViewLocked(v))
	}
	s.mu.Unlock()
	respond(w, start, api.KindVolumes, out)
}

func (s *Sim) newVolumeLocked(name string, sizeMB int64) (*volume, api.ItemStatus) {
	v := &volume{uuid: newUUID(), name: name, createdAt: time.Now(), sizeMB: sizeMB}
	if v.name == "" {
		v.name = "vol-" + randLower(8)
	}
	switch {
	case !nameRE.MatchString(v.name):
		return nil, itemError(api.ErrInvalid, "Invalid volume name '%s'", v.name)
	case sizeMB <= 0:
		return nil, itemError(api.ErrInvalid, "size_mb must be positive")
	case s.volumeByNameLocked(v.name) != nil:
		return nil, itemError(api.ErrAlreadyExists, "Volume with name '%s' already exists", v.name)
	}
	v.dir = filepath.Join(s.dir, "volumes", v.uuid)
	if err := os.MkdirAll(v.dir, 0o755); err != nil {
		return nil, itemError(api.ErrFailedOperation, "create volume: %v", err)
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

func (s *Sim) findVolumeLocked(ref api.Ref) (*volume, api.ItemStatus) {
	switch {
	case ref.UUID != "":
		if v, ok := s.volumes[ref.UUID]; ok {
			return v, success
		}
		return nil, itemError(api.ErrNotFound, "No volume with UUID '%s'", ref.UUID)
	case ref.Name != "":
		if v := s.volumeByNameLocked(ref.Name); v != nil {
			return v, success
		}
		return nil, itemError(api.ErrNotFound, "No volume with name '%s'", ref.Name)
	}
	return nil, itemError(api.ErrMissingID, "No uuid or name given")
}

// volumeViewLocked renders a volume. It is "mounted" while a member
// instance runs, "available" otherwise.
func (s *Sim) volumeViewLocked(v *volume) api.Volume {
	out := api.Volume{ItemStatus: success, UUID: v.uuid, Name: v.name, CreatedAt: stamp(v.createdAt),
		State: api.VolumeAvailable, SizeMB: v.sizeMB, FreeMB: v.sizeMB, Persistent: true, Filesystem: "ext4"}
	for _, inst := range v.mounts {
		out.AttachedTo = append(out.AttachedTo, api.Ref{UUID: inst.uuid, Name: inst.name})
		if inst.run != nil {
			out.State = api.VolumeMounted
			ro := slices.ContainsFunc(inst.volumes, func(m volumeMount) bool { return m.vol == v && m.readOnly })
			out.MountedBy = append(out.MountedBy, api.VolumeMountedBy{UUID: inst.uuid, Name: inst.name, ReadOnly: ro})
		}
	}
	return out
}

// mountVolumesLocked attaches the volumes of a create request: existing
// ones by uuid/name, or new ones created inline with size_mb.
func (s *Sim) mountVolumesLocked(inst *instance, mounts []api.VolumeMount) api.ItemStatus {
	for _, m := range mounts {
		v, st := s.findVolumeLocked(api.Ref{UUID: m.UUID, Name: m.Name})
		if v == nil && m.UUID == "" && m.SizeMB > 0 {
			v, st = s.newVolumeLocked(m.Name, m.SizeMB)
		}
		if v == nil {
			return st
		}
		if st := s.attachLocked(v, inst, m.At, m.ReadOnly); st.Failed() {
			return st
		}
	}
	return success
}

func (s *Sim) attachLocked(v *volume, inst *instance, at string, readOnly bool) api.ItemStatus {
	if at == "" || !path.IsAbs(at) {
		return itemError(api.ErrInvalid, "Volume mount point '%s' must be an absolute path", at)
	}
	if slices.Contains(v.mounts, inst) {
		return itemError(api.ErrAttached, "Volume '%s' is already attached to '%s'", v.name, inst.name)
	}
	inst.volumes = append(inst.volumes, volumeMount{vol: v, at: at, readOnly: readOnly})
	v.mounts = append(v.mounts, inst)
	return success
}

func (s *Sim) handleGetVolumes(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	refs, err := decodeItems(r, setRefUUID)
	if err != nil {
		malformed(w, err)
		return
	}
	var out []api.Volume
	s.mu.Lock()
	if len(refs) == 0 {
		var all []*volume
		for _, v := range s.volumes {
			all = append(all, v)
		}
		slices.SortFunc(all, func(a, b *volume) int { return a.createdAt.Compare(b.createdAt) })
		for _, v := range all {
			out = append(out, s.volumeViewLocked(v))
		}
	}
	for _, ref := range refs {
		if v, st := s.findVolumeLocked(ref); v == nil {
			out = append(out, api.Volume{ItemStatus: st, UUID: ref.UUID, Name: ref.Name})
		} else {
			out = append(out, s.volumeViewLocked(v))
		}
	}
	s.mu.Unlock()
	respond(w, start, api.KindVolumes, out)
}

// stoppedLocked reports whether volumes may be changed on inst: the API
// reference's attach and detach require the instance to be stopped.
func stoppedLocked(inst *instance) bool {
	return inst.run == nil
}

func (s *Sim) handleAttachVolumes(w http.ResponseWriter, r *http.Request) {
	perItem(s, w, r, api.KindVolumes, func(x *api.AttachVolumeRequest, id string) { x.Ref = api.Ref{UUID: id} }, s.attachOneLocked)
}

func (s *Sim) attachOneLocked(req api.AttachVolumeRequest) api.Volume {
	v, st := s.findVolumeLocked(req.Ref)
	if v == nil {
		return api.Volume{ItemStatus: st, UUID: req.UUID, Name: req.Name}
	}
	inst, st := s.findLocked(req.AttachTo)
	if inst == nil {
		return api.Volume{ItemStatus: st, UUID: v.uuid, Name: v.name}
	}
	if !stoppedLocked(inst) {
		return api.Volume{ItemStatus: itemError(api.ErrFailedWrongVMState, "Instance '%s' must be stopped", inst.name), UUID: v.uuid, Name: v.name}
	}
	if st := s.attachLocked(v, inst, req.At, req.ReadOnly); st.Failed() {
		return api.Volume{ItemStatus: st, UUID: v.uuid, Name: v.name}
	}
	return s.volumeViewLocked(v)
}

func (s *Sim) handleDetachVolumes(w http.ResponseWriter, r *http.Request) {
	perItem(s, w, r, api.KindVolumes, func(x *api.DetachVolumeRequest, id string) { x.Ref = api.Ref{UUID: id} }, s.detachOneLocked)
}

func (s *Sim) detachOneLocked(req api.DetachVolumeRequest) api.Volume {
	v, st := s.findVolumeLocked(req.Ref)
	if v == nil {
		return api.Volume{ItemStatus: st, UUID: req.UUID, Name: req.Name}
	}
	if len(v.mounts) == 0 {
		return api.Volume{ItemStatus: itemError(api.ErrNotAttached, "Volume '%s' is not attached", v.name), UUID: v.uuid, Name: v.name}
	}
	var keep []*instance
	for _, inst := range v.mounts {
		if req.From != nil && req.From.UUID != inst.uuid && req.From.Name != inst.name {
			keep = append(keep, inst)
			continue
		}
		if !stoppedLocked(inst) {
			return api.Volume{ItemStatus: itemError(api.ErrFailedWrongVMState, "Instance '%s' must be stopped", inst.name), UUID: v.uuid, Name: v.name}
		}
	}
	for _, inst := range v.mounts {
		if !slices.Contains(keep, inst) {
			inst.volumes = slices.DeleteFunc(inst.volumes, func(m volumeMount) bool { return m.vol == v })
		}
	}
	v.mounts = keep
	return s.volumeViewLocked(v)
}

func (s *Sim) handleDeleteVolumes(w http.ResponseWriter, r *http.Request) {
	perItem(s, w, r, api.KindVolumes, setRefUUID, s.deleteVolumeLocked)
}

func (s *Sim) deleteVolumeLocked(ref api.Ref) api.Volume {
	v, st := s.findVolumeLocked(ref)
	switch {
	case v == nil:
		return api.Volume{ItemStatus: st, UUID: ref.UUID, Name: ref.Name}
	case len(v.mounts) > 0:
		return api.Volume{ItemStatus: itemError(api.ErrAttached, "Volume '%s' is attached", v.name), UUID: v.uuid, Name: v.name}
	default:
		delete(s.volumes, v.uuid)
		_ = os.RemoveAll(v.dir)
		return api.Volume{ItemStatus: success, UUID: v.uuid, Name: v.name}
	}
}
