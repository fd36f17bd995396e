package deploy

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// DomainRecord is one of the deployment's own domains (--domain) and what
// the verification found through it.
type DomainRecord struct {
	FQDN     string `json:"fqdn"`
	URL      string `json:"url"`
	Verified bool   `json:"verified"`
	Note     string `json:"note,omitempty"` // why it was not verified (it does not resolve yet, say)
}

// domainRE is a DNS name of two labels or more.
var domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$`)

// checkDomains validates --domain: lowercase DNS names, none twice.
func checkDomains(domains []string) ([]string, error) {
	var out []string
	for _, d := range domains {
		d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
		switch {
		case len(d) > 253 || !domainRE.MatchString(d):
			return nil, fmt.Errorf("domain %q: want a DNS name such as fga.example.com", d)
		case slices.Contains(out, d):
			return nil, fmt.Errorf("domain %s given twice", d)
		}
		out = append(out, d)
	}
	return out, nil
}

// groupDomains are the domains a new service group is created with: its
// own name under the metro's domain (what a group without domains gets)
// and each of the user's, as FQDNs (a trailing dot, as the spec has it).
func groupDomains(name string, own []string, cert *api.Ref) []api.Domain {
	if len(own) == 0 {
		return nil
	}
	out := []api.Domain{{Name: name}}
	for _, d := range own {
		out = append(out, api.Domain{Name: d + ".", Certificate: cert})
	}
	return out
}

// missingDomains are the user's domains an existing group does not have.
func missingDomains(g api.ServiceGroup, own []string) []string {
	var out []string
	for _, d := range own {
		if !slices.ContainsFunc(g.Domains, func(x api.Domain) bool { return strings.TrimSuffix(x.FQDN, ".") == d }) {
			out = append(out, d)
		}
	}
	return out
}

// verifyDomains checks health through each of the user's domains that
// resolves (with --connect-to, the simulator's, all do), and says which do
// not yet. It never fails the deploy: DNS is the user's to set.
func (r *run) verifyDomains(ctx context.Context) error {
	if len(r.domains) == 0 {
		return nil
	}
	key, err := r.check.credential(ctx)
	if err != nil {
		return err
	}
	for _, d := range r.domains {
		rec := DomainRecord{FQDN: d, URL: "https://" + d}
		if r.front.connectTo == "" {
			if _, err := net.DefaultResolver.LookupHost(ctx, d); err != nil {
				rec.Note = fmt.Sprintf("%s does not resolve yet: point a CNAME at %s", d, r.fqdn)
				r.warnings = append(r.warnings, rec.Note)
				r.rec.Domains = append(r.rec.Domains, rec)
				continue
			}
		}
		c := r.check.fqdnClient(d, key, 0, &misroutes{})
		hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := c.WaitHealthy(hctx, 500*time.Millisecond)
		cancel()
		if err != nil {
			rec.Note = fmt.Sprintf("https://%s does not answer yet (%v): its certificate may still be issued", d, err)
			r.warnings = append(r.warnings, rec.Note)
		} else {
			rec.Verified = true
			r.log.Printf("verified: https://%s serves OpenFGA", d)
		}
		r.rec.Domains = append(r.rec.Domains, rec)
	}
	return nil
}
