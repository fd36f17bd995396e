package deploy

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The kernel command line carries every env var of the instance (and the
// app's argv): past 4096 bytes the boot fails with E2BIG, past 60 words
// argv is cut (the limits of Unikraft's command-line parser,
// CONFIG_LIBUKLIBPARAM's buffer). Both are checked before anything is sent.
const (
	CmdlineMaxBytes = 4096
	CmdlineMaxArgs  = 60
)

var envKeyRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// authPrefix is OpenFGA's authentication settings: they are set from the
// key or OIDC options only, so that a stray -e cannot turn authentication
// off or leak a key into shell history by habit.
const authPrefix = "OPENFGA_AUTHN_"

// ParseEnv reads -e values, KEY=VALUE. (The CLI turns kraft's KEY alone,
// "copy it from the local environment", into KEY=VALUE before.)
func ParseEnv(list []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !envKeyRE.MatchString(k) {
			return nil, fmt.Errorf("env %q: the name must be letters, digits and _, not starting with a digit", k)
		}
		if !ok {
			return nil, fmt.Errorf("env %s: no value (write %s=VALUE)", k, k)
		}
		if strings.HasPrefix(k, authPrefix) {
			return nil, fmt.Errorf("env %s: set authentication with --preshared-key (or OPENFGA_PRESHARED_KEY) or --oidc-issuer, or turn it off explicitly with --no-auth", k)
		}
		out[k] = v
	}
	return out, nil
}

// openfgaEnv is OpenFGA's configuration for the platform, in the
// variables OpenFGA's `run` command binds (cmd/run/flags.go): no
// playground (port 3000 is not published), HTTP on the 443 service's
// destination port, JSON logs. Authentication and tracing come from their
// options (auth.go, tracing.go).
func openfgaEnv(httpPort int) map[string]string {
	return map[string]string{
		"OPENFGA_PLAYGROUND_ENABLED": "false",
		"OPENFGA_HTTP_ADDR":          "0.0.0.0:" + strconv.Itoa(httpPort),
		"OPENFGA_LOG_FORMAT":         "json",
	}
}

// mergeEnv layers the maps, later ones winning: OpenFGA's settings, the
// datastore's, the Kraftfile's env, then the user's -e.
func mergeEnv(layers ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, l := range layers {
		maps.Copy(out, l)
	}
	return out
}

// checkHTTPAddr: OpenFGA must listen where the 443 service sends traffic.
func checkHTTPAddr(env map[string]string, port int) error {
	if _, got, _ := net.SplitHostPort(env["OPENFGA_HTTP_ADDR"]); got != strconv.Itoa(port) {
		return fmt.Errorf("OPENFGA_HTTP_ADDR=%s does not listen on the 443 service's destination port %d: change the port with -p 443:PORT instead", env["OPENFGA_HTTP_ADDR"], port)
	}
	return nil
}

// checkCmdline counts what the platform puts on the kernel command line:
// each env var as one "KEY=VALUE" word and each argv word, space-separated.
// The error names the largest variables, never their values.
func checkCmdline(env map[string]string, argv []string) error {
	bytes, args := 0, len(env)+len(argv)
	for k, v := range env {
		bytes += len(k) + 1 + len(v) + 1
	}
	for _, a := range argv {
		bytes += len(a) + 1
	}
	if bytes <= CmdlineMaxBytes && args <= CmdlineMaxArgs {
		return nil
	}
	keys := slices.SortedFunc(maps.Keys(env), func(a, b string) int { return len(env[b]) - len(env[a]) })
	keys = keys[:min(3, len(keys))]
	for i, k := range keys {
		keys[i] = fmt.Sprintf("%s (%d bytes)", k, len(k)+1+len(env[k]))
	}
	return fmt.Errorf("the env and command take %d bytes in %d words on the kernel command line, over the platform's %d bytes / %d words (every env var is passed there); the largest: %s",
		bytes, args, CmdlineMaxBytes, CmdlineMaxArgs, strings.Join(keys, ", "))
}

// secretValues are the env values to keep out of output besides the keys:
// values of variables named like secrets, and passwords inside URLs
// (OPENFGA_DATASTORE_URI=postgres://user:pw@host/db).
func secretValues(env map[string]string) []string {
	var out []string
	for k, v := range env {
		up := strings.ToUpper(k)
		if strings.Contains(up, "PASSWORD") || strings.Contains(up, "SECRET") || strings.Contains(up, "TOKEN") ||
			(strings.Contains(up, "KEY") && k != "OPENFGA_AUTHN_PRESHARED_KEYS") {
			out = append(out, v)
		}
		if u, err := url.Parse(v); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok {
				out = append(out, pw)
			}
		}
	}
	return out
}
