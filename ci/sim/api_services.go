package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

func (s *Sim) handleCreateServiceGroup(c *call) {
	var req groupRequest
	if err := c.decode(&req); err != nil {
		s.malformed(c, err)
		return
	}
	s.mu.Lock()
	g, st := s.newGroupLocked(req, true)
	var v groupView
	if g == nil {
		v = groupView{result: st, Name: req.Name}
	} else {
		v = s.groupViewLocked(g)
		if s.opts.Dialect == spec.Legacy { // the legacy create's answer item is this small
			v = groupView{result: v.result, UUID: v.UUID, Name: v.Name, SoftLimit: v.SoftLimit, HardLimit: v.HardLimit, Domains: v.Domains}
		}
	}
	s.mu.Unlock()
	if g != nil && s.faults.takeReset() {
		s.logf("fault: connection reset after creating service group %s", g.name)
		resetConnection(c.w)
		return
	}
	respond(s, c, []groupView{v})
}

// newGroupLocked creates a group from a checked request (the checker has
// applied the handler rules of each port).
func (s *Sim) newGroupLocked(req groupRequest, persistent bool) (*serviceGroup, result) {
	g := &serviceGroup{uuid: newUUID(), name: req.Name, createdAt: time.Now(), persistent: persistent,
		softLimit: req.SoftLimit, hardLimit: req.HardLimit}
	if g.name == "" {
		g.name = serviceGroupName()
	}
	if !nameRE.MatchString(g.name) {
		return nil, failure(spec.ErrInvalid, fmt.Sprintf("Invalid service group name '%s'", g.name))
	}
	if s.groupByNameLocked(g.name) != nil {
		return nil, failure(spec.ErrAlreadyExists, fmt.Sprintf("Service group with name '%s' already exists", g.name))
	}
	for _, d := range req.Domains {
		if d.Certificate != nil && s.opts.Dialect == spec.Legacy {
			return nil, failure(spec.ErrNotSupported, "certificates are not supported by this API")
		}
	}
	for _, svc := range req.Services {
		if svc.DestinationPort == 0 {
			svc.DestinationPort = svc.Port
		}
		g.services = append(g.services, svc)
	}
	g.domains = s.fqdns(g.name, req.Domains)
	for i, d := range g.domains {
		if s.groupByDomainLocked(d) != nil {
			return nil, failure(spec.ErrAlreadyExists, fmt.Sprintf("Domain '%s' is already in use", d))
		}
		var crt *certificate
		if i < len(req.Domains) && req.Domains[i].Certificate != nil {
			var st result
			if crt, st = s.findCertificateLocked(*req.Domains[i].Certificate); crt == nil {
				return nil, st
			}
			if crt.leaf.VerifyHostname(d) != nil {
				return nil, failure(spec.ErrCertCNMisMatch, fmt.Sprintf("Certificate '%s' is not for '%s'", crt.name, d))
			}
		}
		g.certs = append(g.certs, crt)
	}
	s.groups[g.uuid] = g
	return g, success
}

// fqdns turns requested domains into FQDNs: a trailing "." means an FQDN,
// otherwise a subdomain of the metro; none means "<group>.<metro>.<domain>",
// as the spec describes a service group's domains.
func (s *Sim) fqdns(group string, ds []domainRequest) []string {
	if len(ds) == 0 {
		return []string{group + "." + s.domain}
	}
	var out []string
	for _, d := range ds {
		name := strings.ToLower(d.Name)
		if fq, ok := strings.CutSuffix(name, "."); ok {
			out = append(out, fq)
		} else {
			out = append(out, name+"."+s.domain)
		}
	}
	return out
}

func (s *Sim) groupByNameLocked(name string) *serviceGroup {
	for _, g := range s.groups {
		if g.name == name {
			return g
		}
	}
	return nil
}

func (s *Sim) groupByDomainLocked(fqdn string) *serviceGroup {
	for _, g := range s.groups {
		if slices.Contains(g.domains, fqdn) {
			return g
		}
	}
	return nil
}

// findGroupLocked resolves a ref to a group; the message is the spec's
// example ("No service with name 'funky-town-g756b5d'").
func (s *Sim) findGroupLocked(r ref) (*serviceGroup, result) {
	if r.UUID != "" {
		if g, ok := s.groups[r.UUID]; ok {
			return g, success
		}
		return nil, failure(spec.ErrNotFound, fmt.Sprintf("No service with UUID '%s'", r.UUID))
	}
	if g := s.groupByNameLocked(r.Name); g != nil {
		return g, success
	}
	return nil, failure(spec.ErrNotFound, fmt.Sprintf("No service with name '%s'", r.Name))
}

// joinGroupLocked puts a new instance in the group its create request
// names: an existing one by uuid or name, or a new ephemeral one (deleted
// with its last instance) described by services and domains, or none.
func (s *Sim) joinGroupLocked(inst *instance, req *groupRequest) result {
	if req == nil {
		return success
	}
	var g *serviceGroup
	st := success
	if req.UUID != "" || req.Name != "" {
		g, st = s.findGroupLocked(ref{UUID: req.UUID, Name: req.Name})
	} else {
		g, st = s.newGroupLocked(*req, false)
	}
	if g == nil {
		return st
	}
	inst.sg = g
	g.members = append(g.members, inst)
	return success
}

// leaveGroupLocked undoes joinGroupLocked for an instance whose create failed.
func (s *Sim) leaveGroupLocked(inst *instance) {
	if g := inst.sg; g != nil {
		g.members = removeInst(g.members, inst)
		if !g.persistent && len(g.members) == 0 {
			delete(s.groups, g.uuid)
		}
		inst.sg = nil
	}
}

func (s *Sim) handleGetServiceGroups(c *call) {
	refs, err := items(c, setRef)
	if err != nil {
		s.malformed(c, err)
		return
	}
	var out []groupView
	s.mu.Lock()
	if len(refs) == 0 {
		var all []*serviceGroup
		for _, g := range s.groups {
			all = append(all, g)
		}
		slices.SortFunc(all, func(a, b *serviceGroup) int { return a.createdAt.Compare(b.createdAt) })
		all = listing(all, c.r.URL.Query(), func(g *serviceGroup) string { return g.uuid },
			func(g *serviceGroup) time.Time { return g.createdAt }, func(*serviceGroup) []string { return nil })
		for _, g := range all {
			if c.r.URL.Query().Get("details") == "false" {
				out = append(out, groupView{result: success, UUID: g.uuid, Name: g.name})
				continue
			}
			out = append(out, s.groupViewLocked(g))
		}
	}
	for _, r := range refs {
		if g, st := s.findGroupLocked(r); g == nil {
			out = append(out, groupView{result: st, UUID: r.UUID, Name: r.Name})
		} else {
			out = append(out, s.groupViewLocked(g))
		}
	}
	s.mu.Unlock()
	respond(s, c, out)
}

func (s *Sim) handleDeleteServiceGroups(c *call) {
	perItem(s, c, setRef, s.deleteGroupLocked)
}

func (s *Sim) deleteGroupLocked(r ref) groupView {
	g, st := s.findGroupLocked(r)
	switch {
	case g == nil:
		return groupView{result: st, UUID: r.UUID, Name: r.Name}
	case len(g.members) > 0:
		return groupView{result: failure(spec.ErrAttached, fmt.Sprintf("Service group '%s' still has %d instance(s)", g.name, len(g.members))), UUID: g.uuid, Name: g.name}
	default:
		delete(s.groups, g.uuid)
		return groupView{result: success, UUID: g.uuid, Name: g.name}
	}
}
