package deploy

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud"
	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// Certificate is a TLS certificate of yours for your own domains
// (--domain): the chain (PEM, leaf first) and its private key (PEM, a
// secret). Without one the platform issues a certificate itself.
type Certificate struct {
	Chain string
	Key   string
}

func (c *Certificate) secrets() []string {
	if c == nil {
		return nil
	}
	return []string{c.Key}
}

// ownCert is the checked certificate: what it covers and the name it is
// uploaded under (the deployment's name and the chain's digest, so the
// same certificate is uploaded once).
type ownCert struct {
	Certificate
	name string
	cn   string
}

// checkCertificate parses the pair and holds it to the domains: it must
// cover every one of them.
func checkCertificate(c *Certificate, name string, domains []string) (*ownCert, error) {
	if c == nil {
		return nil, nil
	}
	if len(domains) == 0 {
		return nil, errors.New("certificate without a domain: give --domain, the name it is for")
	}
	pair, err := tls.X509KeyPair([]byte(c.Chain), []byte(c.Key))
	if err != nil {
		return nil, fmt.Errorf("certificate: the chain and the key do not make a pair: %v", err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	for _, d := range domains {
		if leaf.VerifyHostname(d) != nil {
			return nil, fmt.Errorf("certificate: it is for %v, not for the domain %s", append([]string{leaf.Subject.CommonName}, leaf.DNSNames...), d)
		}
	}
	sum := sha256.Sum256([]byte(c.Chain))
	return &ownCert{Certificate: *c, name: name + "-" + hex.EncodeToString(sum[:6]), cn: domains[0]}, nil
}

// certNameRE is the name a deploy uploads a certificate of deployment
// under; destroy removes those.
func certNameRE(name string) *regexp.Regexp {
	return regexp.MustCompile("^" + regexp.QuoteMeta(name) + "-[0-9a-f]{12}$")
}

// upload makes the certificate exist on the platform (uploaded by an
// earlier deploy: kept), and says whether this run uploaded it.
func (r *rollout) upload(ctx context.Context) (bool, error) {
	if r.cert == nil {
		return false, nil
	}
	r.log.Printf("upload the certificate of %v as %s", r.domains, r.cert.name)
	_, err := r.client.CreateCertificate(ctx, api.CreateCertificateRequest{Name: r.cert.name, CommonName: r.cert.cn, Chain: r.cert.Chain, PKey: r.cert.Key})
	switch {
	case err == nil:
		return true, nil
	case kraftcloud.HasCode(err, api.ErrAlreadyExists):
		return false, nil
	}
	return false, fmt.Errorf("upload the certificate: %w", err)
}

// certRef is the certificate a domain of the new group serves.
func (r *rollout) certRef() *api.Ref {
	if r.cert == nil {
		return nil
	}
	return &api.Ref{Name: r.cert.name}
}

// deleteCertificates removes the certificates deploys of name uploaded
// (the group that served them is gone).
func deleteCertificates(ctx context.Context, c *kraftcloud.Client, name string, p *progress) ([]string, error) {
	all, err := c.ListCertificates(ctx)
	if err != nil {
		if errors.Is(err, kraftcloud.ErrUnsupported) {
			return nil, nil // a platform without certificates
		}
		return nil, err
	}
	re := certNameRE(name)
	var gone []string
	for _, crt := range all {
		if !re.MatchString(crt.Name) || slices.Contains(gone, crt.Name) {
			continue
		}
		p.Printf("destroy: delete certificate %s", crt.Name)
		if err := c.DeleteCertificate(ctx, api.ByName(crt.Name)); err != nil {
			return gone, err
		}
		gone = append(gone, crt.Name)
	}
	return gone, nil
}
