package api

// ImageFilter is the optional item of GET /v1/images/list: one of Tag
// ("user/app:latest") or Digest ("user/app@sha256:...").
type ImageFilter struct {
	Tag    string `json:"tag,omitempty"`
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
