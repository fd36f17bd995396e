package api

// Autoscale is a service group's autoscale configuration as the v1 spec
// answers it (GetAutoscaleConfigurationsResponseServiceGroup). The 2024
// spec has none.
type Autoscale struct {
	ItemStatus
	UUID           string            `json:"uuid,omitempty"`
	Name           string            `json:"name,omitempty"`
	Enabled        bool              `json:"enabled,omitempty"`
	MinSize        int64             `json:"min_size"`
	MaxSize        int64             `json:"max_size"`
	WarmupTimeMs   int64             `json:"warmup_time_ms,omitempty"`
	CooldownTimeMs int64             `json:"cooldown_time_ms,omitempty"`
	Template       *Ref              `json:"template,omitempty"`
	Policies       []AutoscalePolicy `json:"policies,omitempty"`
}

// AutoscaleRequest configures a group's autoscale (the by-UUID form of
// CreateAutoscaleConfigurationsRequestConfiguration).
type AutoscaleRequest struct {
	MinSize        int64             `json:"min_size"`
	MaxSize        int64             `json:"max_size"`
	WarmupTimeMs   int64             `json:"warmup_time_ms,omitempty"`
	CooldownTimeMs int64             `json:"cooldown_time_ms,omitempty"`
	CreateArgs     *AutoscaleArgs    `json:"create_args,omitempty"`
	Policies       []AutoscalePolicy `json:"policies,omitempty"`
}

// AutoscaleArgs says what a scaled-out instance is made from: here always
// a template instance.
type AutoscaleArgs struct {
	Template *Ref `json:"template,omitempty"`
}

// AutoscalePolicy is the v1 spec's AutoscalePolicy (metric cpu).
type AutoscalePolicy struct {
	Name           string          `json:"name"`
	Enabled        bool            `json:"enabled"`
	Metric         string          `json:"metric"`
	AdjustmentType string          `json:"adjustment_type"`
	Steps          []AutoscaleStep `json:"steps"`
}

// AutoscaleStep adds Adjustment instances (negative: removes) while the
// metric is within its bounds (an absent bound is open).
type AutoscaleStep struct {
	Adjustment int64  `json:"adjustment"`
	LowerBound *int64 `json:"lower_bound,omitempty"`
	UpperBound *int64 `json:"upper_bound,omitempty"`
}
