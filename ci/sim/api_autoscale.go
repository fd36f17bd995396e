package sim

import (
	"fmt"
	"slices"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// Service-group autoscale, as v1 describes it (/v1/services/autoscale,
// /v1/services/{uuid}/autoscale and its policies): configurations and
// policies are checked, stored and answered, and a group with one shows
// "autoscale": true. The simulator does not act on them: it never adds or
// removes instances by itself, reads no CPU metric and keeps no master
// instance; deleting a configuration only forgets it. The legacy dialect
// serves none of these forms.

// autoscale is a group's configuration
// (CreateAutoscaleConfigurationsRequestConfiguration).
type autoscale struct {
	MinSize        int64             `json:"min_size"`
	MaxSize        int64             `json:"max_size"`
	WarmupTimeMs   int64             `json:"warmup_time_ms"`
	CooldownTimeMs int64             `json:"cooldown_time_ms"`
	CreateArgs     *autoscaleArgs    `json:"create_args"`
	Policies       []autoscalePolicy `json:"policies"`
}

type autoscaleArgs struct {
	Template *ref `json:"template"`
}

// autoscalePolicy is AutoscalePolicy, in requests and answers.
type autoscalePolicy struct {
	Name           string          `json:"name,omitempty"`
	Enabled        bool            `json:"enabled,omitempty"`
	Metric         string          `json:"metric,omitempty"`
	AdjustmentType string          `json:"adjustment_type,omitempty"`
	Steps          []autoscaleStep `json:"steps,omitempty"`
}

type autoscaleStep struct {
	Adjustment int64  `json:"adjustment"`
	LowerBound *int64 `json:"lower_bound,omitempty"`
	UpperBound *int64 `json:"upper_bound,omitempty"`
}

// autoscaleRequest is a configuration naming its group.
type autoscaleRequest struct {
	ref
	autoscale
}

// autoscaleItem is GetAutoscaleConfigurationsResponseServiceGroup and the
// smaller items of the creates and deletes.
type autoscaleItem struct {
	result
	UUID           string            `json:"uuid,omitempty"`
	Name           string            `json:"name,omitempty"`
	Enabled        *bool             `json:"enabled,omitempty"`
	MinSize        int64             `json:"min_size,omitempty"`
	MaxSize        int64             `json:"max_size,omitempty"`
	WarmupTimeMs   int64             `json:"warmup_time_ms,omitempty"`
	CooldownTimeMs int64             `json:"cooldown_time_ms,omitempty"`
	Template       *ref              `json:"template,omitempty"`
	Policies       []autoscalePolicy `json:"policies,omitempty"`
}

func (s *Sim) handleCreateAutoscale(c *call) {
	perItem(s, c, func(x *autoscaleRequest, id string) { x.ref = ref{UUID: id} }, s.createAutoscaleLocked)
}

func (s *Sim) createAutoscaleLocked(req autoscaleRequest) autoscaleItem {
	g, st := s.findGroupLocked(req.ref)
	switch {
	case g == nil:
		return autoscaleItem{result: st, UUID: req.UUID, Name: req.Name}
	case g.autoscale != nil:
		return autoscaleItem{result: failure(spec.ErrAutoscaleConfigured, fmt.Sprintf("Autoscale is already configured for service '%s'", g.name)), UUID: g.uuid, Name: g.name}
	}
	cfg := req.autoscale
	g.autoscale = &cfg
	return autoscaleItem{result: success, UUID: g.uuid, Name: g.name}
}

func (s *Sim) handleGetAutoscale(c *call) {
	refs, err := items(c, setRef)
	if err != nil {
		s.malformed(c, err)
		return
	}
	var out []autoscaleItem
	unconfigured := 0
	s.mu.Lock()
	for _, r := range refs {
		it := s.autoscaleViewLocked(r)
		if it.Error == spec.ErrAutoscaleNotConfigured {
			unconfigured++
		}
		out = append(out, it)
	}
	s.mu.Unlock()
	if unconfigured > 0 && unconfigured == len(out) {
		// GetAutoscaleConfigurationsResponse's own top-level status.
		s.writeJSON(c.w, 200, envelope{Status: spec.StatusUnconfigured, Message: out[0].Message, Data: map[string]any{c.form.Kind: out}})
		return
	}
	respond(s, c, out)
}

func (s *Sim) autoscaleViewLocked(r ref) autoscaleItem {
	g, st := s.findGroupLocked(r)
	if g == nil {
		return autoscaleItem{result: st, UUID: r.UUID, Name: r.Name}
	}
	off, on := false, true
	if g.autoscale == nil {
		return autoscaleItem{result: failure(spec.ErrAutoscaleNotConfigured, fmt.Sprintf("Autoscale is not configured for service '%s'", g.name)),
			UUID: g.uuid, Name: g.name, Enabled: &off}
	}
	a := g.autoscale
	it := autoscaleItem{result: success, UUID: g.uuid, Name: g.name, Enabled: &on, MinSize: a.MinSize, MaxSize: a.MaxSize,
		WarmupTimeMs: a.WarmupTimeMs, CooldownTimeMs: a.CooldownTimeMs, Policies: a.Policies}
	if a.CreateArgs != nil && a.CreateArgs.Template != nil {
		it.Template = a.CreateArgs.Template
	}
	return it
}

func (s *Sim) handleDeleteAutoscale(c *call) {
	perItem(s, c, setRef, func(r ref) autoscaleItem {
		g, st := s.findGroupLocked(r)
		switch {
		case g == nil:
			return autoscaleItem{result: st, UUID: r.UUID, Name: r.Name}
		case g.autoscale == nil:
			return autoscaleItem{result: failure(spec.ErrAutoscaleNotConfigured, fmt.Sprintf("Autoscale is not configured for service '%s'", g.name)), UUID: g.uuid, Name: g.name}
		}
		g.autoscale = nil
		return autoscaleItem{result: success, UUID: g.uuid, Name: g.name}
	})
}

// policyItem is an item of the policies answers: GET's has the policy,
// the create's the group's uuid and the policy's name, the delete's the
// name.
type policyItem struct {
	result
	UUID   string           `json:"uuid,omitempty"`
	Name   string           `json:"name,omitempty"`
	Policy *autoscalePolicy `json:"policy,omitempty"`
}

// policyRequest is CreateAutoscaleConfigurationPolicyRequest (name and
// type) and the GET and DELETE bodies (name).
type policyRequest struct {
	Name string           `json:"name"`
	Type *autoscalePolicy `json:"type"`
}

// configuredLocked finds the path's group with its configuration.
func (s *Sim) configuredLocked(c *call) (*serviceGroup, result) {
	g, st := s.findGroupLocked(ref{UUID: c.params["uuid"]})
	if g != nil && g.autoscale == nil {
		return nil, failure(spec.ErrAutoscaleNotConfigured, fmt.Sprintf("Autoscale is not configured for service '%s'", g.name))
	}
	return g, st
}

// policyName is the policy a request names: the path's {name}, or the body's.
func policyName(c *call) (string, error) {
	if n, ok := c.params["name"]; ok {
		return n, nil
	}
	var req policyRequest
	err := c.decode(&req)
	return req.Name, err
}

func (s *Sim) handleGetPolicy(c *call) {
	name, err := policyName(c)
	if err != nil {
		s.malformed(c, err)
		return
	}
	s.mu.Lock()
	g, st := s.configuredLocked(c)
	it := policyItem{result: st}
	if g != nil {
		i := slices.IndexFunc(g.autoscale.Policies, func(p autoscalePolicy) bool { return p.Name == name })
		if i < 0 {
			it.result = failure(spec.ErrNotFound, fmt.Sprintf("No policy with name '%s'", name))
		} else {
			p := g.autoscale.Policies[i]
			it.Policy = &p
		}
	}
	s.mu.Unlock()
	respond(s, c, []policyItem{it})
}

func (s *Sim) handleCreatePolicy(c *call) {
	var req policyRequest
	if err := c.decode(&req); err != nil {
		s.malformed(c, err)
		return
	}
	p := *req.Type
	if p.Name == "" {
		p.Name = req.Name
	}
	s.mu.Lock()
	g, st := s.configuredLocked(c)
	it := policyItem{result: st, Name: p.Name}
	if g != nil {
		it.UUID = g.uuid
		if slices.ContainsFunc(g.autoscale.Policies, func(q autoscalePolicy) bool { return q.Name == p.Name }) {
			it.result = failure(spec.ErrAlreadyExists, fmt.Sprintf("Policy with name '%s' already exists", p.Name))
		} else {
			g.autoscale.Policies = append(g.autoscale.Policies, p)
		}
	}
	s.mu.Unlock()
	respond(s, c, []policyItem{it})
}

func (s *Sim) handleDeletePolicy(c *call) {
	name, err := policyName(c)
	if err != nil {
		s.malformed(c, err)
		return
	}
	s.mu.Lock()
	g, st := s.configuredLocked(c)
	it := policyItem{result: st, Name: name}
	if g != nil {
		before := len(g.autoscale.Policies)
		g.autoscale.Policies = slices.DeleteFunc(g.autoscale.Policies, func(p autoscalePolicy) bool { return p.Name == name })
		if len(g.autoscale.Policies) == before {
			it.result = failure(spec.ErrNotFound, fmt.Sprintf("No policy with name '%s'", name))
		}
	}
	s.mu.Unlock()
	respond(s, c, []policyItem{it})
}
