package sim

import (
	"encoding/json"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// The simulator's model of the wire: the request bodies it decodes (after
// spec.Check has held them to the dialect's description) and the answer
// items it writes, with the field names of the spec's schemas (v1 names
// in comments). Fields one dialect lacks are left empty for it (view.go).

// ref names an object: NameOrUUID.
type ref struct {
	UUID string `json:"uuid,omitempty"`
	Name string `json:"name,omitempty"`
}

func (r ref) String() string {
	if r.UUID != "" {
		return r.UUID
	}
	return r.Name
}

// createInstanceRequest is CreateInstanceRequest (and the legacy create).
type createInstanceRequest struct {
	Name          string            `json:"name"`
	Image         string            `json:"image"`
	Args          []string          `json:"args"`
	Env           map[string]string `json:"env"`
	MemoryMB      int64             `json:"memory_mb"`
	ServiceGroup  *groupRequest     `json:"service_group"`
	Volumes       []mountRequest    `json:"volumes"`
	Autostart     bool              `json:"autostart"`
	Replicas      int64             `json:"replicas"`
	RestartPolicy string            `json:"restart_policy"`
	ScaleToZero   *scaleToZero      `json:"scale_to_zero"`
	VCPUs         int64             `json:"vcpus"`
	WaitTimeoutMs int64             `json:"wait_timeout_ms"`
	TimeoutS      int64             `json:"timeout_s"`
	Features      []string          `json:"features"`
	Tags          []string          `json:"tags"`
	// Accepted by the description, not carried out by the simulator.
	Roms      json.RawMessage `json:"roms"`
	Template  json.RawMessage `json:"template"`
	Schedules json.RawMessage `json:"schedules"`
	Autokill  json.RawMessage `json:"autokill"`
}

// groupRequest is CreateInstanceRequestServiceGroup and
// CreateServiceGroupRequest.
type groupRequest struct {
	UUID      string          `json:"uuid"`
	Name      string          `json:"name"`
	Services  []service       `json:"services"`
	Domains   []domainRequest `json:"domains"`
	SoftLimit int64           `json:"soft_limit"`
	HardLimit int64           `json:"hard_limit"`
}

// domainRequest is CreateInstanceRequestDomain.
type domainRequest struct {
	Name        string `json:"name"`
	Certificate *ref   `json:"certificate"`
}

// service is Service, in requests and answers.
type service struct {
	Port            int      `json:"port"`
	DestinationPort int      `json:"destination_port,omitempty"`
	Handlers        []string `json:"handlers,omitempty"`
}

// mountRequest is CreateInstanceRequestVolume.
type mountRequest struct {
	UUID     string   `json:"uuid"`
	Name     string   `json:"name"`
	SizeMB   int64    `json:"size_mb"`
	HostPath string   `json:"host_path"`
	At       string   `json:"at"`
	ReadOnly bool     `json:"readonly"`
	Tags     []string `json:"tags"`
}

// scaleToZero is CreateInstanceScaleToZero and InstanceScaleToZero
// (enabled only in answers).
type scaleToZero struct {
	Enabled        bool   `json:"enabled,omitempty"`
	Policy         string `json:"policy,omitempty"`
	Stateful       bool   `json:"stateful,omitempty"`
	CooldownTimeMs int64  `json:"cooldown_time_ms,omitempty"`
	NotifyTimeMs   int64  `json:"notify_time_ms,omitempty"`
}

type startRequest struct {
	ref
	WaitTimeoutMs int64 `json:"wait_timeout_ms"`
	TimeoutS      int64 `json:"timeout_s"`
}

type stopRequest struct {
	ref
	Force          bool   `json:"force"`
	DrainTimeoutMs int64  `json:"drain_timeout_ms"`
	Quick          bool   `json:"quick"`
	IfState        string `json:"ifstate"`
}

type waitRequest struct {
	ref
	State     string `json:"state"`
	TimeoutMs *int64 `json:"timeout_ms"`
}

type logRequest struct {
	ref
	Offset *int64 `json:"offset"`
	Limit  *int64 `json:"limit"`
}

// createVolumeRequest is CreateVolumeRequest (an item of the legacy one).
type createVolumeRequest struct {
	Name     string   `json:"name"`
	SizeMB   int64    `json:"size_mb"`
	HostPath string   `json:"host_path"`
	Template *ref     `json:"template"`
	Tags     []string `json:"tags"`
}

type attachRequest struct {
	ref
	AttachTo ref    `json:"attach_to"`
	At       string `json:"at"`
	ReadOnly bool   `json:"readonly"`
}

// cloneRequest is CloneVolumesRequestItem.
type cloneRequest struct {
	ref
	VolName string   `json:"vol_name"`
	Tags    []string `json:"tags"`
}

type detachRequest struct {
	ref
	From *ref `json:"from"`
}

// imageFilter is TagOrDigest, an item of GET /v1/images, or a legacy
// {digest|tagged} item.
type imageFilter struct {
	Digest string `json:"digest"`
	Tag    string `json:"tag"`
	Tagged string `json:"tagged"`
}

// Answers.

// envelope is every answer: status, message, data.<kind>, errors,
// op_time_us.
type envelope struct {
	Status   string         `json:"status"`
	Message  string         `json:"message,omitempty"`
	Data     map[string]any `json:"data,omitempty"`
	Errors   []httpError    `json:"errors,omitempty"`
	OpTimeUs int64          `json:"op_time_us,omitempty"`
}

// httpError is ResponseError: the HTTP status only.
type httpError struct {
	Status int `json:"status"`
}

// result is the per-item status, message and error of an answer item.
type result struct {
	Status  string         `json:"status,omitempty"`
	Message string         `json:"message,omitempty"`
	Error   spec.ErrorCode `json:"error,omitempty"`
}

func (r result) failed() bool       { return r.Status == spec.StatusError || r.Error != 0 }
func (r result) itemResult() result { return r }

// item is any answer item.
type item interface{ itemResult() result }

var success = result{Status: spec.StatusSuccess}

// failure is the result of a failed item.
func failure(code spec.ErrorCode, msg string) result {
	return result{Status: spec.StatusError, Error: code, Message: msg}
}

// instanceItem is Instance and the smaller instance items of start, stop,
// wait and delete answers (which fill only their own fields).
type instanceItem struct {
	result
	UUID              string            `json:"uuid,omitempty"`
	Name              string            `json:"name,omitempty"`
	CreatedAt         string            `json:"created_at,omitempty"`
	State             string            `json:"state,omitempty"`
	PreviousState     string            `json:"previous_state,omitempty"`
	PrivateFQDN       string            `json:"private_fqdn,omitempty"`
	PrivateIP         string            `json:"private_ip,omitempty"` // legacy only
	Image             string            `json:"image,omitempty"`
	MemoryMB          int64             `json:"memory_mb,omitempty"`
	VCPUs             int               `json:"vcpus,omitempty"` // v1 only
	Args              []string          `json:"args,omitempty"`
	Env               map[string]string `json:"env,omitempty"`
	StartCount        int               `json:"start_count,omitempty"`
	RestartCount      int               `json:"restart_count,omitempty"`
	StartedAt         string            `json:"started_at,omitempty"`
	StoppedAt         string            `json:"stopped_at,omitempty"`
	UptimeMs          int64             `json:"uptime_ms,omitempty"`
	BootTimeUs        int64             `json:"boot_time_us,omitempty"`
	NetTimeUs         int64             `json:"net_time_us,omitempty"`
	StopReason        stopReason        `json:"stop_reason,omitempty"`
	ExitCode          int               `json:"exit_code,omitempty"`
	StopCode          stopCode          `json:"stop_code,omitempty"`
	RestartPolicy     string            `json:"restart_policy,omitempty"`
	Restart           *restartView      `json:"restart,omitempty"`
	ScaleToZero       *scaleToZero      `json:"scale_to_zero,omitempty"`
	Volumes           []mountView       `json:"volumes,omitempty"`
	ServiceGroup      *groupView        `json:"service_group,omitempty"`
	NetworkInterfaces []nicView         `json:"network_interfaces,omitempty"`
	Tags              []string          `json:"tags,omitempty"` // v1 only
}

// restartView is InstanceRestartAttempt.
type restartView struct {
	Attempt int    `json:"attempt"`
	NextAt  string `json:"next_at,omitempty"`
}

// mountView is InstanceVolume.
type mountView struct {
	UUID     string `json:"uuid,omitempty"`
	Name     string `json:"name,omitempty"`
	At       string `json:"at,omitempty"`
	ReadOnly bool   `json:"readonly,omitempty"`
}

// nicView is InstanceNetworkInterface.
type nicView struct {
	UUID      string `json:"uuid,omitempty"`
	PrivateIP string `json:"private_ip,omitempty"`
	MAC       string `json:"mac,omitempty"`
}

// groupView is ServiceGroup (an instance shows uuid, name and domains).
type groupView struct {
	result
	UUID       string       `json:"uuid,omitempty"`
	Name       string       `json:"name,omitempty"`
	CreatedAt  string       `json:"created_at,omitempty"`
	Persistent bool         `json:"persistent,omitempty"`
	Autoscale  bool         `json:"autoscale,omitempty"`
	SoftLimit  int64        `json:"soft_limit,omitempty"`
	HardLimit  int64        `json:"hard_limit,omitempty"`
	Services   []service    `json:"services,omitempty"`
	Domains    []domainView `json:"domains,omitempty"`
	Instances  []ref        `json:"instances,omitempty"`
}

type domainView struct {
	FQDN        string `json:"fqdn"`
	Certificate *ref   `json:"certificate,omitempty"` // the uploaded one it serves
}

// logItem is GetInstancesLogsResponseLoggedInstance.
type logItem struct {
	result
	UUID      string    `json:"uuid,omitempty"`
	Name      string    `json:"name,omitempty"`
	Output    string    `json:"output"`
	Available byteRange `json:"available"`
	Range     byteRange `json:"range"`
	State     string    `json:"state,omitempty"` // v1 only
}

type byteRange struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

// volumeItem is Volume and the smaller volume items.
type volumeItem struct {
	result
	UUID       string        `json:"uuid,omitempty"`
	Name       string        `json:"name,omitempty"`
	CreatedAt  string        `json:"created_at,omitempty"`
	State      string        `json:"state,omitempty"`
	SizeMB     int64         `json:"size_mb,omitempty"`
	FreeMB     int64         `json:"free_mb,omitempty"` // v1 only
	Persistent bool          `json:"persistent,omitempty"`
	AttachedTo []ref         `json:"attached_to,omitempty"`
	MountedBy  []mountedView `json:"mounted_by,omitempty"`
	Tags       []string      `json:"tags,omitempty"`       // v1 only
	Filesystem string        `json:"filesystem,omitempty"` // v1 only
}

type mountedView struct {
	UUID     string `json:"uuid,omitempty"`
	Name     string `json:"name,omitempty"`
	ReadOnly bool   `json:"readonly,omitempty"`
}

// imageItem is Image. Its result is only set for the "item" shape of an
// image not found (Answers.ImageNotFound).
type imageItem struct {
	result
	Digest      string            `json:"digest,omitempty"`
	Tags        []string          `json:"tags,omitempty"` // v1 only
	Initrd      bool              `json:"initrd,omitempty"`
	SizeInBytes int64             `json:"size_in_bytes,omitempty"`
	Args        string            `json:"args,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
}

// quotaItem is Quotas.
type quotaItem struct {
	result
	UUID   string      `json:"uuid,omitempty"` // v1 only
	Used   quotaCounts `json:"used"`
	Hard   quotaCounts `json:"hard"`
	Limits quotaLimits `json:"limits"`
}

type quotaCounts struct {
	Instances     int   `json:"instances"`
	LiveInstances int   `json:"live_instances"`
	LiveVCPUs     int   `json:"live_vcpus,omitempty"` // v1 only
	LiveMemoryMB  int64 `json:"live_memory_mb"`
	ServiceGroups int   `json:"service_groups"`
	Services      int   `json:"services"`
	Volumes       int   `json:"volumes"`
	TotalVolumeMB int64 `json:"total_volume_mb"`
}

type quotaLimits struct {
	MinMemoryMB      int64 `json:"min_memory_mb"`
	MaxMemoryMB      int64 `json:"max_memory_mb"`
	MinVolumeMB      int64 `json:"min_volume_mb"`
	MaxVolumeMB      int64 `json:"max_volume_mb"`
	MinAutoscaleSize int64 `json:"min_autoscale_size"`
	MaxAutoscaleSize int64 `json:"max_autoscale_size"`
	MinVCPUs         int64 `json:"min_vcpus,omitempty"` // v1 only
	MaxVCPUs         int64 `json:"max_vcpus,omitempty"` // v1 only
}
