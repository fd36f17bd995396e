package kraftcloud

import (
	"net/url"
	"regexp"

	"github.com/openfga-kraftcloud/openfga-kraftcloud/ci/kraftcloud/api"
)

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsUUID reports whether s has the shape of a UUID.
func IsUUID(s string) bool { return uuidRE.MatchString(s) }

// RefFor names an object by UUID when id looks like one, else by name, as
// both SDKs do.
func RefFor(id string) api.Ref {
	if IsUUID(id) {
		return api.ByUUID(id)
	}
	return api.ByName(id)
}

// byRef chooses between the "/{uuid}" path form and the batch form with a
// one-item body, since the path form only takes a UUID.
func byRef(base string, ref api.Ref, suffix string) (path string, body any) {
	if ref.UUID != "" {
		return base + "/" + url.PathEscape(ref.UUID) + suffix, nil
	}
	return base + suffix, []api.Ref{ref}
}
