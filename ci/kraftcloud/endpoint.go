package kraftcloud

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// DefaultMetro is used when neither a flag nor the environment names one.
const DefaultMetro = "fra"

// Metro names: current ones are three letters (fra, dal, sin, was, sfo),
// legacy ones carry a digit (fra0, dal0, sin0, was1). Unknown names of the
// same shape are accepted so that a new metro needs no code change.
var (
	currentMetro = regexp.MustCompile(`^[a-z]{3}$`)
	legacyMetro  = regexp.MustCompile(`^[a-z]{3}[0-9]+$`)
)

// ResolveEndpoint turns a metro name or a full URL into the API root, to
// which "/v1/..." paths are appended:
//
//	fra                    -> https://api.fra.unikraft.cloud
//	fra0                   -> https://api.fra0.kraft.cloud   (legacy …/v1)
//	http://127.0.0.1:8080  -> http://127.0.0.1:8080          (a trailing /v1 is dropped)
func ResolveEndpoint(metro string) (string, error) {
	m := strings.TrimSpace(metro)
	switch {
	case strings.Contains(m, "://"):
		return normalizeURL(m)
	case currentMetro.MatchString(m):
		return "https://api." + m + ".unikraft.cloud", nil
	case legacyMetro.MatchString(m):
		return "https://api." + m + ".kraft.cloud", nil
	}
	return "", fmt.Errorf("kraftcloud: %q is neither a metro name (fra, dal, sin, was, sfo; legacy fra0, dal0, sin0, was1) nor a URL", metro)
}

// normalizeURL checks a full URL and strips a trailing "/v1", as the
// unikraft CLI does, since our paths carry it.
func normalizeURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("kraftcloud: %q is not an http(s) URL", raw)
	}
	if u.User != nil {
		return "", fmt.Errorf("kraftcloud: the API URL must not carry credentials; pass the token separately")
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/v1")
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimSuffix(u.String(), "/"), nil
}

// Endpoint picks the API endpoint from a metro or a full API URL, one of
// the two; with neither it is DefaultMetro.
func Endpoint(metro, api string) (string, error) {
	api, metro = strings.TrimSpace(api), strings.TrimSpace(metro)
	switch {
	case api != "" && metro != "":
		return "", errors.New("kraftcloud: give a metro or an API URL, not both")
	case api != "":
		return api, nil
	case metro != "":
		return metro, nil
	}
	return DefaultMetro, nil
}
