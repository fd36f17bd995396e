// Package oidctest is an OpenID Connect issuer that tests run themselves,
// so that OpenFGA's OIDC authentication can be tested end to end with no
// outside service. It publishes its discovery document and signing key,
// hands out RS256 access tokens through the OAuth2 client-credentials
// grant, and mints tokens directly, good or deliberately bad, for the
// negative cases.
//
// It serves plain HTTP: OpenFGA accepts an http:// issuer, and a test issuer
// with a certificate would need that certificate trusted inside every
// instance that reaches it.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Issuer is a running OIDC issuer. Its methods are safe for concurrent use.
type Issuer struct {
	url      string
	alias    string
	audience string
	lifetime time.Duration
	clients  map[string]string // client id → secret

	key *rsa.PrivateKey
	kid string

	// foreign signs the wrongly signed tokens; it is made on first use as
	// most tests never need it and an RSA key costs tens of milliseconds.
	foreignOnce sync.Once
	foreign     *rsa.PrivateKey

	srv *http.Server
}

// Option configures an Issuer at Start.
type Option func(*Issuer)

// WithClient registers a client the token endpoint accepts, by id and
// secret. Repeat it for more clients; without any, every client is refused.
func WithClient(id, secret string) Option {
	return func(i *Issuer) { i.clients[id] = secret }
}

// WithAudience is the audience of tokens whose request names none (the
// default is no "aud" claim at all).
func WithAudience(aud string) Option {
	return func(i *Issuer) { i.audience = aud }
}

// WithLifetime is how long tokens stay valid (the default is an hour).
func WithLifetime(d time.Duration) Option {
	return func(i *Issuer) { i.lifetime = d }
}

// WithAlias is a second issuer URL that AliasToken signs as, with the same
// key, as an issuer reached under another name does.
func WithAlias(url string) Option {
	return func(i *Issuer) { i.alias = url }
}

// Start listens on addr ("127.0.0.1:0" for a free port on loopback, or the
// address of a bridge that instances in other network namespaces reach) and
// serves the issuer until Close. It generates a new signing key each time.
func Start(addr string, opts ...Option) (*Issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	i := &Issuer{lifetime: time.Hour, clients: map[string]string{}, key: key, kid: thumbprint(&key.PublicKey)}
	for _, o := range opts {
		o(i)
	}
	if i.lifetime <= 0 {
		return nil, fmt.Errorf("oidctest: token lifetime %v is not positive", i.lifetime)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	i.url = "http://" + reachable(l.Addr().(*net.TCPAddr))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", i.discovery)
	mux.HandleFunc("GET /jwks", i.jwks)
	mux.HandleFunc("POST /token", i.token)
	i.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = i.srv.Serve(l) }()
	return i, nil
}

// reachable is the host:port a client dials for a listener on a: a
// listener on every address (":0") is named by loopback, as "[::]" is not
// an address to send a request to.
func reachable(a *net.TCPAddr) string {
	if a.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", fmt.Sprint(a.Port))
	}
	return a.String()
}

// URL is the issuer's base URL, with no trailing slash: the "iss" of its
// tokens and what OpenFGA is configured with as its issuer.
func (i *Issuer) URL() string { return i.url }

// Alias is the issuer URL set by WithAlias, or "".
func (i *Issuer) Alias() string { return i.alias }

// Close stops serving at once.
func (i *Issuer) Close() error {
	if err := i.srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Token is a valid access token for clientID, for audience (the default
// audience when ""), as the token endpoint hands out. clientID need not be a
// registered client: tests mint tokens for whatever subject they need.
func (i *Issuer) Token(clientID, audience string) string {
	return sign(i.key, i.kid, i.claims(i.url, clientID, audience, time.Now()))
}

// AliasToken is Token with the alias of WithAlias as its "iss". It panics
// when no alias was set, as the test asking for it is then wrong.
func (i *Issuer) AliasToken(clientID, audience string) string {
	if i.alias == "" {
		panic("oidctest: AliasToken needs WithAlias")
	}
	return sign(i.key, i.kid, i.claims(i.alias, clientID, audience, time.Now()))
}

// ExpiredToken is Token as it was issued one lifetime and one minute ago,
// so it expired a minute ago (a margin for clock skew tolerance); only its
// expiry is wrong.
func (i *Issuer) ExpiredToken(clientID, audience string) string {
	return sign(i.key, i.kid, i.claims(i.url, clientID, audience, time.Now().Add(-i.lifetime-time.Minute)))
}

// ForeignToken is Token signed with a key the issuer does not publish,
// under the published key's kid: a verifier finds the key and must reject
// the signature itself.
func (i *Issuer) ForeignToken(clientID, audience string) string {
	i.foreignOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		i.foreign = k
	})
	return sign(i.foreign, i.kid, i.claims(i.url, clientID, audience, time.Now()))
}

func (i *Issuer) claims(iss, sub, aud string, issued time.Time) claims {
	if aud == "" {
		aud = i.audience
	}
	now := issued.Unix()
	return claims{Issuer: iss, Subject: sub, Audience: aud, ClientID: sub,
		IssuedAt: now, NotBefore: now, Expires: issued.Add(i.lifetime).Unix()}
}

func (i *Issuer) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                i.url,
		"jwks_uri":                              i.url + "/jwks",
		"token_endpoint":                        i.url + "/token",
		"grant_types_supported":                 []string{"client_credentials"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		// There is no authorization endpoint, so no response type is
		// really served; the member is listed because discovery clients
		// refuse a document without it.
		"response_types_supported": []string{"token"},
		"subject_types_supported":  []string{"public"},
	})
}

func (i *Issuer) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"keys": []jwk{publicJWK(&i.key.PublicKey)}})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
