package unikernel

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"
)

// Access says how to reach a registry: basic-auth credentials (empty
// Username means anonymous) and the transport to use. The password never
// appears in errors from this package, and Access prints it masked.
// Credentials go to whichever registry a reference names, so pair an Access
// only with references to the registry it belongs to.
type Access struct {
	Username string
	Password string

	// PlainHTTP allows http:// for any host (loopback hosts get it anyway,
	// after https has been tried), for a local registry without TLS.
	PlainHTTP bool
	// CACertPEM holds extra roots trusted for the registry's TLS, e.g. the
	// local simulator's CA. The system roots stay trusted.
	CACertPEM []byte
	// Transport replaces the default base transport (CACertPEM then
	// does not apply). For tests.
	Transport http.RoundTripper
	// UserAgent is sent to the registry; empty leaves ggcr's default.
	UserAgent string
}

// Credentials are a registry login: a KraftCloud API token gives its
// decoded user and secret.
type Credentials interface {
	RegistryAuth() (user, secret string)
}

// AccessFor is how to reach registry ([http://]HOST[:PORT], see
// RegistryAddr) with the login of creds, trusting caPEM besides the system
// roots. It returns the registry's host[:port] for references. Every
// caller that talks to the registry with a token starts here.
func AccessFor(registry string, creds Credentials, caPEM []byte) (string, Access) {
	host, plain := RegistryAddr(registry)
	user, secret := creds.RegistryAuth()
	return host, Access{Username: user, Password: secret, PlainHTTP: plain, CACertPEM: caPEM}
}

// String keeps the password out of %v and %+v.
func (a Access) String() string {
	return fmt.Sprintf("Access{Username:%q Password:%s PlainHTTP:%v CA:%v}", a.Username, redact.Mask, a.PlainHTTP, len(a.CACertPEM) > 0)
}

// GoString keeps the password out of %#v.
func (a Access) GoString() string { return a.String() }

// parse reads a reference that must name its registry: a bare "acme/x"
// would silently mean Docker Hub, and the credentials with it. A missing
// tag means "latest".
func (a Access) parse(ref string) (name.Reference, error) {
	if first, _, ok := strings.Cut(ref, "/"); !ok || !looksLikeHost(first) {
		return nil, fmt.Errorf("unikernel: reference %q must start with its registry host, e.g. %s/", ref, DefaultRegistry)
	}
	var opts []name.Option
	if a.PlainHTTP {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("unikernel: reference %q: %w", ref, err)
	}
	return r, nil
}

func (a Access) remoteOptions(ctx context.Context) ([]remote.Option, error) {
	tr, err := a.transport()
	if err != nil {
		return nil, err
	}
	var auth authn.Authenticator = authn.Anonymous
	if a.Username != "" {
		auth = &authn.Basic{Username: a.Username, Password: a.Password}
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuth(auth), remote.WithTransport(tr)}
	if a.UserAgent != "" {
		opts = append(opts, remote.WithUserAgent(a.UserAgent))
	}
	return opts, nil
}

func (a Access) transport() (http.RoundTripper, error) {
	if a.Transport != nil {
		return a.Transport, nil
	}
	tr := remote.DefaultTransport.(*http.Transport).Clone()
	if len(a.CACertPEM) == 0 {
		return tr, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(a.CACertPEM) {
		return nil, errors.New("unikernel: the registry CA holds no PEM certificate")
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return tr, nil
}

// scrub removes the password (plain or inside a basic-auth header value)
// from err. When it had to edit the message it also drops the wrapped chain,
// which could print the secret again.
func (a Access) scrub(err error) error {
	if a.Password == "" {
		return err
	}
	basic := base64.StdEncoding.EncodeToString([]byte(a.Username + ":" + a.Password))
	return redact.New(basic, a.Password).Err(err)
}

// prepare parses ref and builds the remote options: what every registry call starts with.
func (a Access) prepare(ctx context.Context, ref string) (name.Reference, []remote.Option, error) {
	r, err := a.parse(ref)
	if err != nil {
		return nil, nil, err
	}
	opts, err := a.remoteOptions(ctx)
	return r, opts, err
}
