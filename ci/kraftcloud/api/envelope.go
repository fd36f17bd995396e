package api

// Status is the top-level or per-item "status" of a response.
type Status string

const (
	StatusSuccess Status = "success"
	StatusError   Status = "error"
	// StatusFailure is the 2024 spec's spelling of StatusError.
	StatusFailure Status = "failure"
	// StatusPartialSuccess is only handled by the legacy SDK; the current
	// spec has success|error, but a server may still send it.
	StatusPartialSuccess Status = "partial_success"
)

// Kind is the key under "data" that holds the items of a response.
type Kind string

const (
	KindInstances     Kind = "instances"
	KindServiceGroups Kind = "service_groups"
	KindVolumes       Kind = "volumes"
	KindImages        Kind = "images"
	KindCertificates  Kind = "certificates"
	KindQuotas        Kind = "quotas"
)

// Response is the envelope every endpoint answers with:
//
//	{"status":..., "message":..., "data": {"<kind>": [items]}, "errors": [...], "op_time_us": N}
//
// T is the item type of the endpoint (Instance, LogOutput, Volume, ...).
// The HTTP status alone is not enough: check Status, then each item.
type Response[T any] struct {
	Status   Status          `json:"status"`
	Message  string          `json:"message,omitempty"`
	Data     map[Kind][]T    `json:"data,omitempty"`
	Errors   []ResponseError `json:"errors,omitempty"`
	OpTimeUs int64           `json:"op_time_us,omitempty"`
}

// NewResponse builds a response around items of one kind. The top-level
// status is derived from the items the way the platform reports it:
// "error" if any item failed (the message then says not all succeeded).
func NewResponse[T Item](kind Kind, items ...T) Response[T] {
	r := Response[T]{Status: StatusSuccess, Data: map[Kind][]T{kind: items}}
	for _, it := range items {
		if it.Result().Failed() {
			r.Status = StatusError
			r.Message = "Failed to perform all operations"
		}
	}
	return r
}

// Items returns the items under kind (nil if absent).
func (r Response[T]) Items(kind Kind) []T { return r.Data[kind] }

// ResponseError is an entry of the top-level "errors" array.
type ResponseError struct {
	Status  int    `json:"status"`
	Message string `json:"message,omitempty"`
}

// ItemStatus is embedded in every item: its own "status", "message" and
// numeric "error" code.
type ItemStatus struct {
	Status  Status    `json:"status,omitempty"`
	Message string    `json:"message,omitempty"`
	Error   ErrorCode `json:"error,omitempty"`
}

// Result returns the item's own status; it lets generic code inspect any
// item type that embeds ItemStatus.
func (s ItemStatus) Result() ItemStatus { return s }

// Failed reports whether the item is an error. A non-zero code counts even
// when the status is missing, so a failure is never read as success.
func (s ItemStatus) Failed() bool {
	return s.Status.Failed() || s.Error != 0
}

// Failed reports whether the status says error, in either spec's spelling.
func (s Status) Failed() bool { return s == StatusError || s == StatusFailure }

// Item is any response item: it embeds ItemStatus.
type Item interface{ Result() ItemStatus }

// Ref names an object by UUID or by name; the API takes exactly one of the two.
type Ref struct {
	UUID string `json:"uuid,omitempty"`
	Name string `json:"name,omitempty"`
}

// ByName and ByUUID make a Ref.
func ByName(name string) Ref { return Ref{Name: name} }
func ByUUID(uuid string) Ref { return Ref{UUID: uuid} }

// String is the UUID if set, else the name.
func (r Ref) String() string {
	if r.UUID != "" {
		return r.UUID
	}
	return r.Name
}
