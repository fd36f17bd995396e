package sim

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"slices"
	"time"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/sim/spec"
)

// Certificates, as v1 describes them (/v1/certificates): a user uploads a
// chain and its private key for a common name; a service group's domain
// names one, and the TLS front then serves it for that domain (without
// one, the front issues its own, as the platform does with Let's
// Encrypt). A certificate a group's domain uses cannot be deleted. The
// legacy dialect serves none of these forms.

// certificate is an uploaded certificate.
type certificate struct {
	uuid, name, cn string
	createdAt      time.Time
	leaf           *x509.Certificate
	pair           tls.Certificate
}

// certificateRequest is CreateCertificateRequest.
type certificateRequest struct {
	Name       string `json:"name"`
	CN         string `json:"cn"` // deprecated spelling of common_name
	CommonName string `json:"common_name"`
	Chain      string `json:"chain"`
	PKey       string `json:"pkey"`
}

// certificateView is Certificate.
type certificateView struct {
	result
	UUID         string `json:"uuid,omitempty"`
	Name         string `json:"name,omitempty"`
	CreatedAt    string `json:"created_at,omitempty"`
	CommonName   string `json:"common_name,omitempty"`
	Subject      string `json:"subject,omitempty"`
	Issuer       string `json:"issuer,omitempty"`
	SerialNumber string `json:"serial_number,omitempty"`
	NotBefore    string `json:"not_before,omitempty"`
	NotAfter     string `json:"not_after,omitempty"`
	State        string `json:"state,omitempty"`
}

func (s *Sim) handleCreateCertificate(c *call) {
	perItem(s, c, nil, s.createCertificateLocked)
}

func (s *Sim) createCertificateLocked(req certificateRequest) certificateView {
	cn := req.CommonName
	if cn == "" {
		cn = req.CN
	}
	pair, err := tls.X509KeyPair([]byte(req.Chain), []byte(req.PKey))
	if err != nil {
		return certificateView{result: failure(spec.ErrInvalid, "Invalid certificate or private key: "+err.Error()), Name: req.Name}
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return certificateView{result: failure(spec.ErrInvalid, "Invalid certificate: "+err.Error()), Name: req.Name}
	}
	if leaf.VerifyHostname(cn) != nil {
		return certificateView{result: failure(spec.ErrCertCNMisMatch, fmt.Sprintf("The certificate is not for '%s'", cn)), Name: req.Name}
	}
	if req.Name == "" {
		req.Name = "cert-" + randHex(8)
	}
	if s.certificateByNameLocked(req.Name) != nil {
		return certificateView{result: failure(spec.ErrAlreadyExists, fmt.Sprintf("Certificate with name '%s' already exists", req.Name)), Name: req.Name}
	}
	crt := &certificate{uuid: newUUID(), name: req.Name, cn: cn, createdAt: time.Now(), leaf: leaf, pair: pair}
	s.certificates[crt.uuid] = crt
	return crt.view()
}

func (c *certificate) view() certificateView {
	return certificateView{result: success, UUID: c.uuid, Name: c.name, CreatedAt: c.createdAt.UTC().Format(time.RFC3339),
		CommonName: c.cn, Subject: c.leaf.Subject.String(), Issuer: c.leaf.Issuer.String(), SerialNumber: c.leaf.SerialNumber.String(),
		NotBefore: c.leaf.NotBefore.UTC().Format(time.RFC3339), NotAfter: c.leaf.NotAfter.UTC().Format(time.RFC3339), State: "valid"}
}

func (s *Sim) handleGetCertificates(c *call) {
	refs, err := items(c, setRef)
	if err != nil {
		s.malformed(c, err)
		return
	}
	var out []certificateView
	s.mu.Lock()
	if len(refs) == 0 {
		var all []*certificate
		for _, crt := range s.certificates {
			all = append(all, crt)
		}
		slices.SortFunc(all, func(a, b *certificate) int { return a.createdAt.Compare(b.createdAt) })
		for _, crt := range all {
			out = append(out, crt.view())
		}
	}
	for _, r := range refs {
		if crt, st := s.findCertificateLocked(r); crt == nil {
			out = append(out, certificateView{result: st, UUID: r.UUID, Name: r.Name})
		} else {
			out = append(out, crt.view())
		}
	}
	s.mu.Unlock()
	respond(s, c, out)
}

func (s *Sim) handleDeleteCertificates(c *call) {
	perItem(s, c, setRef, func(r ref) certificateView {
		crt, st := s.findCertificateLocked(r)
		if crt == nil {
			return certificateView{result: st, UUID: r.UUID, Name: r.Name}
		}
		for _, g := range s.groups {
			if slices.Contains(g.certs, crt) {
				return certificateView{result: failure(spec.ErrCannotBeUsed, fmt.Sprintf("Certificate '%s' is used by service '%s'", crt.name, g.name)), UUID: crt.uuid, Name: crt.name}
			}
		}
		delete(s.certificates, crt.uuid)
		return certificateView{result: success, UUID: crt.uuid, Name: crt.name}
	})
}

func (s *Sim) certificateByNameLocked(name string) *certificate {
	for _, c := range s.certificates {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (s *Sim) findCertificateLocked(r ref) (*certificate, result) {
	if r.UUID != "" {
		if c, ok := s.certificates[r.UUID]; ok {
			return c, success
		}
		return nil, failure(spec.ErrNotFound, fmt.Sprintf("No certificate with UUID '%s'", r.UUID))
	}
	if c := s.certificateByNameLocked(r.Name); c != nil {
		return c, success
	}
	return nil, failure(spec.ErrNotFound, fmt.Sprintf("No certificate with name '%s'", r.Name))
}

// certificateFor is the uploaded certificate a group's domain serves for
// host, or nil.
func (s *Sim) certificateFor(host string) *tls.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.groups {
		if i := slices.Index(g.domains, host); i >= 0 && i < len(g.certs) && g.certs[i] != nil {
			return &g.certs[i].pair
		}
	}
	return nil
}
