package sim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// newUUID returns a random (version 4) UUID, the shape the API uses for
// every object.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// randHex returns n random hex digits.
func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// randLower returns n random characters from [a-z0-9], the alphabet of the
// platform's generated suffixes ("httpserver-go121-taud8").
func randLower(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

var (
	adjectives = []string{"floral", "quiet", "rapid", "amber", "lucky", "silent", "bold", "misty", "young", "odd"}
	nouns      = []string{"sun", "river", "forest", "cloud", "stone", "field", "bird", "wave", "moon", "leaf"}
)

// serviceGroupName is a generated service group name in the platform's
// shape, e.g. "floral-sun-54ixkmi6".
func serviceGroupName() string {
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	return adjectives[int(b[0])%len(adjectives)] + "-" + nouns[int(b[1])%len(nouns)] + "-" + randLower(8)
}

// instanceName derives a name from the image ("user/httpserver-go121:latest"
// → "httpserver-go121-taud8"), as the platform does when none is given.
func instanceName(image string) string {
	base := image
	if i := strings.LastIndex(base, "/"); i >= 0 {
		base = base[i+1:]
	}
	if i := strings.IndexAny(base, ":@"); i >= 0 {
		base = base[:i]
	}
	if base == "" {
		base = "instance"
	}
	return base + "-" + randLower(5)
}

// newToken makes a token in the platform's format: base64("user:secret"),
// the user shaped like a robot account ("robot$<org>.users.kraftcloud").
func newToken() string {
	return base64.StdEncoding.EncodeToString([]byte("robot$sim.users.kraftcloud:" + randHex(32)))
}

// splitToken decodes a token into the registry user and secret. Like
// kraftkit it requires exactly one ':' after decoding.
func splitToken(token string) (user, secret string, err error) {
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return "", "", fmt.Errorf("token is not base64: %w", err)
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return "", "", fmt.Errorf("invalid token format: want base64(\"user:secret\")")
	}
	return parts[0], parts[1], nil
}

// namespaceOf is the user's image namespace: the token user without the
// "robot$" prefix and ".users.kraftcloud" suffix, as kraftkit derives it.
func namespaceOf(user string) string {
	return strings.TrimSuffix(strings.TrimPrefix(user, "robot$"), ".users.kraftcloud")
}

// stamp formats a time as the API does ("2026-05-28T13:53:40Z").
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// newUUIDFor is a stable UUID derived from s (the user's quota UUID).
func newUUIDFor(s string) string {
	b := sha256.Sum256([]byte(s))
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
