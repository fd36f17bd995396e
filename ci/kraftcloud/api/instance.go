package api

import "encoding/json"

// RestartPolicy is "restart_policy". The v1 spec's enum spells the last
// one "on_failure"; its own description, the 2024 spec and both SDKs say
// "on-failure". The client sends the v1 spelling and falls back to the
// other when the platform refuses it; answers in either spelling read as
// RestartOnFailure.
type RestartPolicy string

const (
	RestartNever     RestartPolicy = "never"
	RestartAlways    RestartPolicy = "always"
	RestartOnFailure RestartPolicy = "on_failure"
	// RestartOnFailureLegacy is the 2024 spec's and the SDKs' spelling.
	RestartOnFailureLegacy RestartPolicy = "on-failure"
)

// String is the spelling users write (kraft's --restart and this tool's):
// on-failure. The JSON form is the spec's.
func (p RestartPolicy) String() string {
	if p == RestartOnFailure {
		return string(RestartOnFailureLegacy)
	}
	return string(p)
}

// UnmarshalJSON reads either spelling of on-failure as RestartOnFailure.
func (p *RestartPolicy) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*p = RestartPolicy(s)
	if *p == RestartOnFailureLegacy {
		*p = RestartOnFailure
	}
	return nil
}

// ScaleToZeroPolicy is "scale_to_zero.policy".
type ScaleToZeroPolicy string

const (
	ScaleToZeroOn   ScaleToZeroPolicy = "on"
	ScaleToZeroOff  ScaleToZeroPolicy = "off"
	ScaleToZeroIdle ScaleToZeroPolicy = "idle"
)

// ScaleToZero is "scale_to_zero" in requests and instances ("enabled" is
// only in responses).
type ScaleToZero struct {
	Enabled        bool              `json:"enabled,omitempty"`
	Policy         ScaleToZeroPolicy `json:"policy,omitempty"`
	Stateful       bool              `json:"stateful,omitempty"`
	CooldownTimeMs int64             `json:"cooldown_time_ms,omitempty"`
	NotifyTimeMs   int64             `json:"notify_time_ms,omitempty"`
}

// VolumeMount is an entry of an instance's "volumes": an existing volume by
// uuid/name, or (create only) an inline new one with size_mb.
type VolumeMount struct {
	UUID     string `json:"uuid,omitempty"`
	Name     string `json:"name,omitempty"`
	SizeMB   int64  `json:"size_mb,omitempty"`
	At       string `json:"at,omitempty"`
	ReadOnly bool   `json:"readonly,omitempty"`
}

// NetworkInterface is an entry of "network_interfaces".
type NetworkInterface struct {
	UUID      string `json:"uuid,omitempty"`
	PrivateIP string `json:"private_ip,omitempty"`
	MAC       string `json:"mac,omitempty"`
}

// RestartInfo is "restart" of a current-spec instance.
type RestartInfo struct {
	Attempt int    `json:"attempt,omitempty"`
	NextAt  string `json:"next_at,omitempty"`
}

// Feature is an entry of "features".
type Feature string

// FeatureDeleteOnStop needs restart_policy "never".
const FeatureDeleteOnStop Feature = "delete-on-stop"

// CreateInstanceRequest is the single object POST /v1/instances takes.
type CreateInstanceRequest struct {
	Name     string            `json:"name,omitempty"`
	Image    string            `json:"image"`
	Args     []string          `json:"args,omitempty"`
	Env      map[string]string `json:"env,omitempty"`
	MemoryMB int64             `json:"memory_mb,omitempty"`
	VCPUs    int               `json:"vcpus,omitempty"`
	// ServiceGroup: nil = none; &{} = a service with no published ports;
	// UUID/Name = attach to an existing group; Services = an ephemeral one.
	ServiceGroup  *ServiceGroupSpec `json:"service_group,omitempty"`
	Volumes       []VolumeMount     `json:"volumes,omitempty"`
	Autostart     bool              `json:"autostart,omitempty"`
	Replicas      int               `json:"replicas,omitempty"`
	RestartPolicy RestartPolicy     `json:"restart_policy,omitempty"`
	ScaleToZero   *ScaleToZero      `json:"scale_to_zero,omitempty"`
	// TimeoutS with Autostart makes the create block until running.
	TimeoutS int `json:"timeout_s,omitempty"`
	// WaitTimeoutMs is the deprecated legacy form of TimeoutS.
	WaitTimeoutMs int64     `json:"wait_timeout_ms,omitempty"`
	Features      []Feature `json:"features,omitempty"`
	Tags          []string  `json:"tags,omitempty"`
}

// Instance is the full instance object (GET /v1/instances; current spec
// create answers return it too; wait/stop/delete answer with a subset).
type Instance struct {
	ItemStatus

	UUID string `json:"uuid,omitempty"`
	Name string `json:"name,omitempty"`
	// FQDN is a legacy top-level field; the current public URL is
	// ServiceGroup.Domains[].FQDN.
	FQDN              string             `json:"fqdn,omitempty"`
	PrivateIP         string             `json:"private_ip,omitempty"`
	PrivateFQDN       string             `json:"private_fqdn,omitempty"`
	State             State              `json:"state,omitempty"`
	PreviousState     State              `json:"previous_state,omitempty"`
	CreatedAt         string             `json:"created_at,omitempty"`
	StartedAt         string             `json:"started_at,omitempty"`
	StoppedAt         string             `json:"stopped_at,omitempty"`
	Image             string             `json:"image,omitempty"`
	MemoryMB          int64              `json:"memory_mb,omitempty"`
	VCPUs             int                `json:"vcpus,omitempty"`
	Args              []string           `json:"args,omitempty"`
	Env               map[string]string  `json:"env,omitempty"`
	ServiceGroup      *ServiceGroup      `json:"service_group,omitempty"`
	NetworkInterfaces []NetworkInterface `json:"network_interfaces,omitempty"`
	Volumes           []VolumeMount      `json:"volumes,omitempty"`
	StartCount        int                `json:"start_count,omitempty"`
	RestartCount      int                `json:"restart_count,omitempty"`
	Restart           *RestartInfo       `json:"restart,omitempty"`
	RestartPolicy     RestartPolicy      `json:"restart_policy,omitempty"`
	ScaleToZero       *ScaleToZero       `json:"scale_to_zero,omitempty"`
	// StopReason, ExitCode and StopCode are only meaningful once stopped;
	// StopReason's A bit says ExitCode is valid, its K bit that StopCode is.
	StopReason StopReason `json:"stop_reason,omitempty"`
	ExitCode   int        `json:"exit_code,omitempty"`
	StopCode   StopCode   `json:"stop_code,omitempty"`
	BootTimeUs int64      `json:"boot_time_us,omitempty"`
	NetTimeUs  int64      `json:"net_time_us,omitempty"`
	UptimeMs   int64      `json:"uptime_ms,omitempty"`
	Features   []Feature  `json:"features,omitempty"`
	Tags       []string   `json:"tags,omitempty"`
	DeleteLock bool       `json:"delete_lock,omitempty"`
}

// PublicFQDNs lists the public host names of the instance's service group.
func (i Instance) PublicFQDNs() []string {
	var out []string
	if i.ServiceGroup == nil {
		return nil
	}
	for _, d := range i.ServiceGroup.Domains {
		if d.FQDN != "" {
			out = append(out, d.FQDN)
		}
	}
	if len(out) == 0 && i.FQDN != "" {
		out = append(out, i.FQDN)
	}
	return out
}
