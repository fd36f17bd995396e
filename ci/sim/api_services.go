package sim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

func (s *Sim) handleCreateServiceGroups(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	specs, err := decodeItems(r, func(*api.ServiceGroupSpec, string) {})
	if err != nil {
		malformed(w, err)
		return
	}
	var out []api.ServiceGroup
	s.mu.Lock()
	for _, spec := range specs {
		g, st := s.newGroupLocked(spec, true)
		if g == nil {
			out = append(out, api.ServiceGroup{ItemStatus: st, Name: spec.Name})
			continue
		}
		out = append(out, s.groupViewLocked(g))
	}
	s.mu.Unlock()
	respond(w, start, api.KindServiceGroups, out)
}

// newGroupLocked validates a spec and creates the group.
func (s *Sim) newGroupLocked(spec api.ServiceGroupSpec, persistent bool) (*serviceGroup, api.ItemStatus) {
	g := &serviceGroup{uuid: newUUID(), name: spec.Name, createdAt: time.Now(), persistent: persistent,
		softLimit: spec.SoftLimit, hardLimit: spec.HardLimit}
	if g.name == "" {
		g.name = serviceGroupName()
	}
	if !nameRE.MatchString(g.name) {
		return nil, itemError(api.ErrInvalid, "Invalid service group name '%s'", g.name)
	}
	if s.groupByNameLocked(g.name) != nil {
		return nil, itemError(api.ErrAlreadyExists, "Service group with name '%s' already exists", g.name)
	}
	for _, svc := range spec.Services {
		if err := checkService(&svc); err != nil {
			return nil, itemError(api.ErrInvalid, "%v", err)
		}
		g.services = append(g.services, svc)
	}
	g.domains = s.fqdns(g.name, spec.Domains)
	for _, d := range g.domains {
		if s.groupByDomainLocked(d) != nil {
			return nil, itemError(api.ErrAlreadyExists, "Domain '%s' is already in use", d)
		}
	}
	s.groups[g.uuid] = g
	return g, success
}

// checkService applies the platform's rules on service ports and handlers
// (the Unikraft Cloud docs on services: 443 is tls+http, 80 is http and may
// redirect to 443, any other port is tls only), and defaults
// destination_port to port.
func checkService(svc *api.Service) error {
	has := func(h api.Handler) bool { return slices.Contains(svc.Handlers, h) }
	if svc.Port <= 0 || svc.Port > 65535 {
		return fmt.Errorf("invalid port %d", svc.Port)
	}
	if svc.DestinationPort == 0 {
		svc.DestinationPort = svc.Port
	}
	switch {
	case svc.Port == 80 && (!has(api.HandlerHTTP) || has(api.HandlerTLS)):
		return fmt.Errorf("port 80 must have the http handler and must not have tls")
	case svc.Port == 443 && (!has(api.HandlerHTTP) || !has(api.HandlerTLS)):
		return fmt.Errorf("port 443 must have the http and tls handlers")
	case has(api.HandlerRedirect) && (svc.Port != 80 || svc.DestinationPort != 443):
		return fmt.Errorf("the redirect handler is only allowed on 80 -> 443")
	case svc.Port != 80 && svc.Port != 443 && (!has(api.HandlerTLS) || has(api.HandlerHTTP)):
		return fmt.Errorf("port %d must have the tls handler and must not have http", svc.Port)
	}
	return nil
}

// fqdns turns requested domains into FQDNs: a trailing "." means an FQDN,
// otherwise a subdomain of the metro; none means "<group>.<metro>.<domain>",
// as the OpenAPI spec describes a service group's domains.
func (s *Sim) fqdns(group string, ds []api.Domain) []string {
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

// findGroupLocked resolves a Ref to a group.
func (s *Sim) findGroupLocked(ref api.Ref) (*serviceGroup, api.ItemStatus) {
	switch {
	case ref.UUID != "":
		if g, ok := s.groups[ref.UUID]; ok {
			return g, success
		}
		return nil, itemError(api.ErrNotFound, "No service group with UUID '%s'", ref.UUID)
	case ref.Name != "":
		if g := s.groupByNameLocked(ref.Name); g != nil {
			return g, success
		}
		return nil, itemError(api.ErrNotFound, "No service group with name '%s'", ref.Name)
	}
	return nil, itemError(api.ErrMissingID, "No uuid or name given")
}

// joinGroupLocked puts a new instance in the group its create request
// names: an existing one by uuid/name, or a new inline one (deleted with
// its last instance), or none.
func (s *Sim) joinGroupLocked(inst *instance, spec *api.ServiceGroupSpec) api.ItemStatus {
	if spec == nil {
		return success
	}
	var g *serviceGroup
	st := success
	if spec.UUID != "" || spec.Name != "" && len(spec.Services) == 0 && len(spec.Domains) == 0 {
		g, st = s.findGroupLocked(api.Ref{UUID: spec.UUID, Name: spec.Name})
	} else {
		g, st = s.newGroupLocked(*spec, false)
	}
	if g == nil {
		return st
	}
	if g.hardLimit > 0 && len(g.members) >= g.hardLimit {
		return itemError(api.ErrQuota, "Service group '%s' is at its hard limit of %d instances", g.name, g.hardLimit)
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

// groupRefLocked is the service group as an instance shows it.
func (s *Sim) groupRefLocked(g *serviceGroup) *api.ServiceGroup {
	v := &api.ServiceGroup{UUID: g.uuid, Name: g.name}
	for _, d := range g.domains {
		v.Domains = append(v.Domains, api.Domain{FQDN: d})
	}
	return v
}

// groupViewLocked is the full ServiceGroup object.
func (s *Sim) groupViewLocked(g *serviceGroup) api.ServiceGroup {
	v := *s.groupRefLocked(g)
	v.ItemStatus = success
	v.CreatedAt = stamp(g.createdAt)
	v.Persistent = g.persistent
	v.SoftLimit, v.HardLimit = g.softLimit, g.hardLimit
	v.Services = g.services
	for _, m := range g.members {
		v.Instances = append(v.Instances, api.Ref{UUID: m.uuid, Name: m.name})
	}
	return v
}

func (s *Sim) handleGetServiceGroups(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	refs, err := decodeItems(r, setRefUUID)
	if err != nil {
		malformed(w, err)
		return
	}
	var out []api.ServiceGroup
	s.mu.Lock()
	if len(refs) == 0 {
		var all []*serviceGroup
		for _, g := range s.groups {
			all = append(all, g)
		}
		slices.SortFunc(all, func(a, b *serviceGroup) int { return a.createdAt.Compare(b.createdAt) })
		for _, g := range all {
			out = append(out, s.groupViewLocked(g))
		}
	}
	for _, ref := range refs {
		if g, st := s.findGroupLocked(ref); g == nil {
			out = append(out, api.ServiceGroup{ItemStatus: st, UUID: ref.UUID, Name: ref.Name})
		} else {
			out = append(out, s.groupViewLocked(g))
		}
	}
	s.mu.Unlock()
	respond(w, start, api.KindServiceGroups, out)
}

func (s *Sim) handleDeleteServiceGroups(w http.ResponseWriter, r *http.Request) {
	perItem(s, w, r, api.KindServiceGroups, setRefUUID, s.deleteGroupLocked)
}

func (s *Sim) deleteGroupLocked(ref api.Ref) api.ServiceGroup {
	g, st := s.findGroupLocked(ref)
	switch {
	case g == nil:
		return api.ServiceGroup{ItemStatus: st, UUID: ref.UUID, Name: ref.Name}
	case len(g.members) > 0:
		return api.ServiceGroup{ItemStatus: itemError(api.ErrAttached, "Service group '%s' still has %d instance(s)", g.name, len(g.members)), UUID: g.uuid, Name: g.name}
	default:
		delete(s.groups, g.uuid)
		return api.ServiceGroup{ItemStatus: success, UUID: g.uuid, Name: g.name}
	}
}
