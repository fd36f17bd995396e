package datastore

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

// Engine is the OpenFGA datastore engine of both kinds here.
const Engine = "postgres"

// MaxConnections is the database's max_connections: PostgreSQL's default,
// and what ci/pgimage.ServerFlags sets. OpenFGA's pools are sized so that
// every instance of a rollout fits in it (see Pool).
const MaxConnections = 100

// openfgaEnv is what OpenFGA needs to use the database at uri.
func openfgaEnv(uri string) map[string]string {
	return map[string]string{
		"OPENFGA_DATASTORE_ENGINE": Engine,
		"OPENFGA_DATASTORE_URI":    uri,
	}
}

// privateHost is how another instance reaches inst: its private FQDN
// ("<name>.internal"), or its private IP when the platform left the FQDN
// empty (seen on fra: guillempuche/demo-openfga-in-unikraft's
// docs/2-deployment-status.md).
func privateHost(inst api.Instance) (string, error) {
	if inst.PrivateFQDN != "" {
		return inst.PrivateFQDN, nil
	}
	if inst.PrivateIP != "" {
		return inst.PrivateIP, nil
	}
	for _, n := range inst.NetworkInterfaces {
		if n.PrivateIP != "" {
			return n.PrivateIP, nil
		}
	}
	return "", fmt.Errorf("the instance %s has neither a private_fqdn nor a private_ip", inst.Name)
}

// postgresURI is the URI of database db on host:port for user. The
// private network is not encrypted but is the user's own (the platform's
// network communication tutorial: per-user, private and unencrypted), and
// the database has TLS off (ci/pgimage), hence sslmode=disable.
func postgresURI(user, password, host string, port int, db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password),
		Host: host + ":" + strconv.Itoa(port), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// uriSecrets are the forms a URI's password can take in output: the URI,
// the password raw and percent-encoded.
func uriSecrets(uri string) []string {
	out := []string{uri}
	u, err := url.Parse(uri)
	if err != nil || u.User == nil {
		return out
	}
	if pw, ok := u.User.Password(); ok {
		out = append(out, pw, url.QueryEscape(pw), url.PathEscape(pw))
	}
	return out
}

// uriHost is the host of a PostgreSQL URI (for messages: never the URI).
func uriHost(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// checkURI refuses what OpenFGA could not use, without quoting the URI.
func checkURI(uri string) error {
	u, err := url.Parse(uri)
	switch {
	case uri == "":
		return errors.New("no PostgreSQL URI given")
	case err != nil:
		return errors.New("the PostgreSQL URI does not parse as a URL")
	case u.Scheme != "postgres" && u.Scheme != "postgresql":
		return fmt.Errorf("the PostgreSQL URI has scheme %q: want postgres://user:password@host:5432/db", u.Scheme)
	case u.Hostname() == "":
		return errors.New("the PostgreSQL URI has no host")
	}
	return nil
}

// newPassword is 32 URL-safe characters from 24 random bytes.
func newPassword() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
