package api

// ImageFilter is the body of an image look-up: one of Tag
// ("user/app:latest") or Digest ("user/app@sha256:..."). The v1 spec's
// TagOrDigest is one object; the SDKs and the 2024 spec send an array
// (the 2024 spec names the tag key "tagged").
type ImageFilter struct {
	Tag    string `json:"tag,omitempty"`
	Digest string `json:"digest,omitempty"`
}

// LegacyImageFilter is the 2024 spec's array item.
type LegacyImageFilter struct {
	Tagged string `json:"tagged,omitempty"`
	Digest string `json:"digest,omitempty"`
}

// Image is an entry of data.images[]. Args is the image's default argv as
// ONE string (unlike an instance's args array).
type Image struct {
	ItemStatus
	Digest      string            `json:"digest,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	Initrd      bool              `json:"initrd,omitempty"`
	SizeInBytes int64             `json:"size_in_bytes,omitempty"`
	Args        string            `json:"args,omitempty"`
	KernelArgs  string            `json:"kernel_args,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
}
