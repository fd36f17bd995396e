package api

// CreateVolumeRequest is the body of POST /v1/volumes: one object in the
// v1 spec and the SDKs, an array of them in the 2024 spec (the fallback).
type CreateVolumeRequest struct {
	Name   string   `json:"name"`
	SizeMB int64    `json:"size_mb"`
	Tags   []string `json:"tags,omitempty"`
}

// LegacyCreateVolumeRequest is the 2024 spec's array item: a name and a
// size, no tags.
type LegacyCreateVolumeRequest struct {
	Name   string `json:"name"`
	SizeMB int64  `json:"size_mb"`
}

// CloneVolumeRequest is an item of POST /v1/volumes/clone (v1 spec):
// the source by uuid or name and the copy's name.
type CloneVolumeRequest struct {
	Ref
	VolName string `json:"vol_name"`
}

// AttachVolumeRequest is an item of PUT /v1/volumes/attach. The instance
// must be stopped.
type AttachVolumeRequest struct {
	Ref
	AttachTo Ref    `json:"attach_to"`
	At       string `json:"at"`
	ReadOnly bool   `json:"readonly,omitempty"`
}

// DetachVolumeRequest is an item of PUT /v1/volumes/detach. The legacy
// SDK sends only the volume's uuid/name; From narrows it to one instance.
type DetachVolumeRequest struct {
	Ref
	From *Ref `json:"from,omitempty"`
}

// VolumeMountedBy is an entry of a volume's "mounted_by".
type VolumeMountedBy struct {
	UUID     string `json:"uuid,omitempty"`
	Name     string `json:"name,omitempty"`
	ReadOnly bool   `json:"readonly,omitempty"`
}

// Volume is the volume object (data.volumes[]).
type Volume struct {
	ItemStatus
	UUID        string            `json:"uuid,omitempty"`
	Name        string            `json:"name,omitempty"`
	CreatedAt   string            `json:"created_at,omitempty"`
	State       VolumeState       `json:"state,omitempty"`
	SizeMB      int64             `json:"size_mb,omitempty"`
	FreeMB      int64             `json:"free_mb,omitempty"`
	Persistent  bool              `json:"persistent,omitempty"`
	AttachedTo  []Ref             `json:"attached_to,omitempty"`
	MountedBy   []VolumeMountedBy `json:"mounted_by,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	QuotaPolicy string            `json:"quota_policy,omitempty"`
	DeleteLock  bool              `json:"delete_lock,omitempty"`
	Filesystem  string            `json:"filesystem,omitempty"`
}
