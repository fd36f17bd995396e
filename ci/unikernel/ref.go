package unikernel

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Ref names a user image: <registry>/<user>/<name>:<tag>. It is validated
// when built, so a bad name fails before any network call.
type Ref struct {
	Registry string // host[:port]
	User     string // the org, without "robot$" or ".users.kraftcloud"
	Name     string
	Tag      string
}

var (
	// A registry path component, as the OCI distribution spec defines it.
	componentRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	tagRE       = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	hostnameRE  = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$`)
)

// NewRef validates and returns a Ref; an empty tag means "latest".
func NewRef(registry, user, name, tag string) (Ref, error) {
	if tag == "" {
		tag = "latest"
	}
	r := Ref{Registry: registry, User: user, Name: name, Tag: tag}
	return r, r.Validate()
}

// ParseRef parses "<registry>/<user>/<name>[:<tag>]".
func ParseRef(s string) (Ref, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return Ref{}, fmt.Errorf("unikernel: image %q: want <registry>/<user>/<name>[:<tag>]", s)
	}
	name, tag, _ := strings.Cut(parts[2], ":")
	if strings.HasSuffix(parts[2], ":") {
		return Ref{}, fmt.Errorf("unikernel: image %q: empty tag", s)
	}
	return NewRef(parts[0], parts[1], name, tag)
}

// Validate reports the first invalid part of r.
func (r Ref) Validate() error {
	if err := validateRegistry(r.Registry); err != nil {
		return err
	}
	if strings.HasPrefix(r.User, "robot$") || strings.HasSuffix(r.User, ".users.kraftcloud") {
		return fmt.Errorf("unikernel: user %q: pass the org name, without robot$ and .users.kraftcloud", r.User)
	}
	if !componentRE.MatchString(r.User) {
		return fmt.Errorf("unikernel: user %q: use lowercase letters, digits and single . _ - separators", r.User)
	}
	if !componentRE.MatchString(r.Name) {
		return fmt.Errorf("unikernel: image name %q: use lowercase letters, digits and single . _ - separators", r.Name)
	}
	if !tagRE.MatchString(r.Tag) {
		return fmt.Errorf("unikernel: tag %q: use up to 128 letters, digits, _ . -, not starting with . or -", r.Tag)
	}
	if n := len(r.User) + 1 + len(r.Name); n > 255 {
		return fmt.Errorf("unikernel: repository %s/%s is %d characters, over 255", r.User, r.Name, n)
	}
	return nil
}

func validateRegistry(reg string) error {
	host, port, err := net.SplitHostPort(reg)
	if err != nil {
		host, port = reg, ""
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("unikernel: registry %q: bad port", reg)
		}
	}
	if net.ParseIP(strings.Trim(host, "[]")) != nil || hostnameRE.MatchString(host) {
		return nil
	}
	return fmt.Errorf("unikernel: registry %q: want host[:port]", reg)
}

// Repository is the reference without tag: <registry>/<user>/<name>.
func (r Ref) Repository() string { return r.Registry + "/" + r.User + "/" + r.Name }

// String is the full tagged reference.
func (r Ref) String() string { return r.Repository() + ":" + r.Tag }

// WithDigest pins the repository to a digest: <registry>/<user>/<name>@<digest>.
func (r Ref) WithDigest(h v1.Hash) string { return r.Repository() + "@" + h.String() }

// PlatformImage is the image as the KraftCloud API's create request names
// it: <user>/<name>@<digest>, without the registry, as kraftkit's
// instance create (internal/cli/kraft/cloud/instance/create/create.go)
// strips index.unikraft.io/ from the pushed package's ID.
func (r Ref) PlatformImage(h v1.Hash) string { return r.User + "/" + r.Name + "@" + h.String() }

// RuntimeRef expands a Kraftfile runtime name against a registry the way
// kraftkit does for index.unikraft.io (Deployable in kraftkit's
// internal/cli/kraft/cloud/deploy/deployer_kraftfile_runtime.go):
// "base-compat:latest" is an official image, "org/x" lives under that
// registry, and a name whose first part looks like a host (has "." or ":",
// or is localhost) is complete, except kraftkit's shorthand "unikraft.io/…",
// which means index.unikraft.io.
func RuntimeRef(registry, runtime string) string {
	first, _, nested := strings.Cut(runtime, "/")
	switch {
	case nested && first == "unikraft.io":
		return "index." + runtime
	case nested && looksLikeHost(first):
		return runtime
	case nested:
		return registry + "/" + runtime
	default:
		return registry + "/official/" + runtime
	}
}

// looksLikeHost tells a registry host from a user or org name, as Docker
// references do: a host has a "." or ":", or is localhost.
func looksLikeHost(s string) bool {
	return strings.ContainsAny(s, ".:") || s == "localhost"
}
