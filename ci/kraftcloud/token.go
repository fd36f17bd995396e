package kraftcloud

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/redact"
)

// ErrNoToken is returned when neither an argument nor the environment
// holds a token.
var ErrNoToken = errors.New("kraftcloud: no token: pass --token or set UKC_TOKEN")

// Token is a parsed API token: base64("<user>:<secret>"). Its String,
// GoString and Format never show the secret, and the parts sit behind a
// pointer so that fmt, which prints unexported fields of an enclosing
// struct by reflection without calling Format, shows only an address.
type Token struct{ p *tokenParts }

type tokenParts struct{ raw, user, secret string }

// ParseToken validates a token the way kraftkit does: it must be base64 of
// exactly "user:secret". The error never quotes the token.
func ParseToken(s string) (Token, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Token{}, ErrNoToken
	}
	dec, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return Token{}, errors.New("kraftcloud: invalid token format: not base64 (expected base64 of user:secret)")
	}
	parts := strings.Split(string(dec), ":")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return Token{}, errors.New("kraftcloud: invalid token format: expected base64 of user:secret")
	}
	return Token{&tokenParts{raw: s, user: parts[0], secret: parts[1]}}, nil
}

// parts never returns nil, so the zero Token behaves as an empty one.
func (t Token) parts() tokenParts {
	if t.p == nil {
		return tokenParts{}
	}
	return *t.p
}

// User is the registry login, e.g. "robot$myorg.users.kraftcloud".
func (t Token) User() string { return t.parts().user }

// RegistryAuth returns the basic-auth pair of the platform's registry.
func (t Token) RegistryAuth() (user, secret string) { return t.parts().user, t.parts().secret }

// Namespace is the user's image namespace: the user with "robot$" and
// ".users.kraftcloud" stripped, as kraftkit does.
func (t Token) Namespace() string {
	return strings.TrimSuffix(strings.TrimPrefix(t.User(), "robot$"), ".users.kraftcloud")
}

// Valid reports whether the token was parsed successfully.
func (t Token) Valid() bool { return t.parts().raw != "" }

// Secrets are the forms of the token that must never appear in output:
// the token itself (which is also the registry's basic-auth value) and its
// secret half.
func (t Token) Secrets() []string {
	var out []string
	p := t.parts()
	for _, s := range []string{p.raw, p.secret} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (t Token) bearer() string { return "Bearer " + t.parts().raw }

func (t Token) String() string   { return "Token(" + t.User() + ":" + redact.Mask + ")" }
func (t Token) GoString() string { return t.String() }

// Format covers every verb (%v, %+v, %#v, %s, %q, %x) so no fmt path
// reaches the raw fields.
func (t Token) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.String()) }
