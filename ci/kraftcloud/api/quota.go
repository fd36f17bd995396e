package api

// QuotaCounts is "used" and "hard" of a quotas item. LiveInstances is only
// reported under "used".
type QuotaCounts struct {
	Instances     int   `json:"instances"`
	LiveInstances int   `json:"live_instances,omitempty"`
	LiveVCPUs     int   `json:"live_vcpus"`
	LiveMemoryMB  int64 `json:"live_memory_mb"`
	ServiceGroups int   `json:"service_groups"`
	Services      int   `json:"services"`
	Volumes       int   `json:"volumes"`
	TotalVolumeMB int64 `json:"total_volume_mb"`
}

// QuotaLimits is "limits": per-object bounds.
type QuotaLimits struct {
	MinMemoryMB      int64 `json:"min_memory_mb"`
	MaxMemoryMB      int64 `json:"max_memory_mb"`
	MinVCPUs         int   `json:"min_vcpus,omitempty"`
	MaxVCPUs         int   `json:"max_vcpus,omitempty"`
	MinVolumeMB      int64 `json:"min_volume_mb,omitempty"`
	MaxVolumeMB      int64 `json:"max_volume_mb,omitempty"`
	MinAutoscaleSize int   `json:"min_autoscale_size,omitempty"`
	MaxAutoscaleSize int   `json:"max_autoscale_size,omitempty"`
}

// Quotas is an item of GET /v1/users/quotas (data.quotas[]).
type Quotas struct {
	ItemStatus
	UUID   string      `json:"uuid,omitempty"`
	Used   QuotaCounts `json:"used"`
	Hard   QuotaCounts `json:"hard"`
	Limits QuotaLimits `json:"limits"`
}
