package kraftcloud

import "crypto/rand"

// NameSuffixLen is the length of NameSuffix.
const NameSuffixLen = 6

// NameSuffix is a short random [a-z0-9] suffix for the names of objects a
// deploy creates: names stay unique on the platform, so a create whose
// answer was lost can be found again by name.
func NameSuffix() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, NameSuffixLen)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
