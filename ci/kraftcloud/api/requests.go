package api

// Request items for the batch endpoints. Each names its target with Ref
// (uuid or name, never both) and is sent as a JSON array.

// WaitRequest is an item of GET /v1/instances/wait. TimeoutMs -1 waits
// forever; a timeout comes back as a per-item error. The answer is
// data.instances[] with uuid, name and state.
type WaitRequest struct {
	Ref
	State     State `json:"state"`
	TimeoutMs int64 `json:"timeout_ms"`
}

// StopRequest is an item of PUT /v1/instances/stop (non-blocking).
// DrainTimeoutMs together with Force is refused by the platform (400).
type StopRequest struct {
	Ref
	Force          bool  `json:"force,omitempty"`
	DrainTimeoutMs int64 `json:"drain_timeout_ms,omitempty"`
}

// StartRequest is an item of PUT /v1/instances/start.
type StartRequest struct {
	Ref
	TimeoutS int `json:"timeout_s,omitempty"`
}

// LogRequest is the only item of GET /v1/instances/log. A negative Offset
// counts from the end.
type LogRequest struct {
	Ref
	Offset int64 `json:"offset"`
	Limit  int64 `json:"limit"`
}

// MaxLogPage is the largest page both SDKs request (4096*4-1).
const MaxLogPage = 16383

// ByteRange is "available" / "range" of a log answer.
type ByteRange struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

// LogOutput is an item of the log answer (under data.instances).
// Output is base64; Available is what can be read, Range what this page
// holds. Out-of-range reads return Available 0..0.
type LogOutput struct {
	ItemStatus
	UUID      string    `json:"uuid,omitempty"`
	Name      string    `json:"name,omitempty"`
	Output    string    `json:"output"`
	Available ByteRange `json:"available"`
	Range     ByteRange `json:"range"`
	State     State     `json:"state,omitempty"`
}
