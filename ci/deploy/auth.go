package deploy

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// OIDC is OpenFGA's OpenID Connect authentication: tokens from the
// issuer (or one of its aliases) for the audience are accepted. The
// verification gets a token of its own by the client-credentials grant.
type OIDC struct {
	Issuer        string   // the issuer URL, as the tokens' iss says it
	Audience      string   // the tokens' aud OpenFGA accepts (required: OpenFGA >= 1.18 refuses to start without one)
	IssuerAliases []string // other iss values OpenFGA accepts

	ClientID     string // the verification's client
	ClientSecret string // a secret
	// TokenURL is the issuer's token endpoint; default: the one its
	// discovery document names.
	TokenURL string
}

func (o *OIDC) secrets() []string {
	if o == nil {
		return nil
	}
	return []string{o.ClientSecret}
}

// auth is OpenFGA's authentication: preshared keys, OIDC, or none at all.
type auth struct {
	keys []string
	oidc *OIDC
	none bool
}

// checkAuth: authentication is on unless opted out explicitly, by
// preshared keys (several: a key rotates without downtime by deploying
// the new one beside the old, moving the clients, then deploying the new
// one alone) or OIDC.
func checkAuth(keys []string, none bool, oidc *OIDC, warnings *[]string) (auth, error) {
	chosen := 0
	for _, on := range []bool{len(keys) > 0, none, oidc != nil} {
		if on {
			chosen++
		}
	}
	switch {
	case chosen > 1:
		return auth{}, errors.New("more than one of --preshared-key, --oidc-issuer and --no-auth: choose one")
	case none:
		*warnings = append(*warnings, "authentication is OFF: anyone who knows the URL can read and write authorization data")
		return auth{none: true}, nil
	case oidc != nil:
		return auth{oidc: oidc}, oidc.check()
	case len(keys) == 0:
		return auth{}, errors.New("no preshared key: OpenFGA will be on the public internet, so authentication is on by default; give --preshared-key (or OPENFGA_PRESHARED_KEY) or --oidc-issuer, or opt out with --no-auth")
	}
	for _, k := range keys {
		if len(k) < 16 || strings.ContainsAny(k, ", \t\n") {
			return auth{}, errors.New("a preshared key must be at least 16 characters, without commas or blanks")
		}
	}
	return auth{keys: keys}, nil
}

func (o *OIDC) check() error {
	for _, u := range append([]string{o.Issuer}, o.IssuerAliases...) {
		if err := checkHTTPURL("the OIDC issuer", u); err != nil {
			return err
		}
	}
	switch {
	case o.Audience == "":
		return errors.New("--oidc-audience is required with --oidc-issuer: the audience OpenFGA accepts tokens for")
	case o.ClientID == "" || o.ClientSecret == "":
		return errors.New("OIDC: the verification needs a token: give --verify-client-id and --verify-client-secret (a client of the issuer allowed the client-credentials grant for the audience)")
	case strings.ContainsAny(strings.Join(o.IssuerAliases, ""), ", "):
		return errors.New("an OIDC issuer alias must not contain commas or blanks")
	}
	if o.TokenURL != "" {
		return checkHTTPURL("--verify-token-url", o.TokenURL)
	}
	return nil
}

func checkHTTPURL(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%s %q: want an http(s) URL", what, raw)
	}
	return nil
}

// env is OpenFGA's authentication settings (cmd/run/flags.go).
func (a auth) env() map[string]string {
	switch {
	case a.oidc != nil:
		env := map[string]string{
			"OPENFGA_AUTHN_METHOD":        "oidc",
			"OPENFGA_AUTHN_OIDC_ISSUER":   a.oidc.Issuer,
			"OPENFGA_AUTHN_OIDC_AUDIENCE": a.oidc.Audience,
		}
		if len(a.oidc.IssuerAliases) > 0 {
			env["OPENFGA_AUTHN_OIDC_ISSUER_ALIASES"] = strings.Join(a.oidc.IssuerAliases, ",")
		}
		return env
	case len(a.keys) > 0:
		return map[string]string{"OPENFGA_AUTHN_METHOD": "preshared", "OPENFGA_AUTHN_PRESHARED_KEYS": strings.Join(a.keys, ",")}
	}
	return nil
}

func (a auth) secrets() []string {
	return append(append([]string(nil), a.keys...), a.oidc.secrets()...)
}

// method is what the record says: preshared, oidc or none.
func (a auth) method() string {
	switch {
	case a.oidc != nil:
		return "oidc"
	case a.none:
		return "none"
	}
	return "preshared"
}

// key is the preshared key the verification uses (the first), or "".
func (a auth) key() string {
	if len(a.keys) == 0 {
		return ""
	}
	return a.keys[0]
}
