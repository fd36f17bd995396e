// Package spec is the simulator's own description of the Unikraft Cloud
// platform API, written from its published OpenAPI spec (platform.yaml of
// github.com/unikraft-cloud/openapi) and independent of any client: the
// request forms each dialect serves, their query parameters and bodies as
// schemas (keys, JSON types, enums, required and mutually exclusive keys,
// ranges) with the rules the spec states in prose (cross-field
// requirements), the answers' shapes, and the wire's vocabulary (states,
// statuses, restart policies, handlers, error codes).
//
// Two dialects: V1, the newest spec (v1.0.0 at
// 04bf96b1949b557670d86a7c91b74aeefbc2a045), and Legacy, the 2024 one
// (0.6.0 at 3ad398956ba262a9cae627a8baad93eed4c108bc). Each serves only its
// own forms.
//
// The checker:
//
//	err := spec.Check(spec.V1, "GET", "/v1/instances/wait", nil, []byte(`[{"name":"a","timeout_ms":20000}]`))
//	var r *spec.Refusal
//	errors.As(err, &r) // r.Status 400, r.Message "Invalid request: [0].timeout_ms: Timeout value must be in the range -1 to 10000"
//
// Check(dialect, method, path, query, body) returns nil for a request the
// dialect accepts, or a *Refusal: the HTTP status the platform answers
// (404 "No API endpoint ..." for a path the dialect does not have, 405
// for a known path with another method, 400 for a refused query or body),
// the top-level message naming the field and why, and, for a refused item
// of a body, that item with its per-item error code (Invalid,
// MalformedRequest, NotBoth, MissingID, ...). Match and Form.Check are the
// same in two steps, for a server that dispatches on the matched Form.
//
// CheckAnswer(dialect, method, path, body) checks an answer the other
// way: every field must be one the dialect's answer for that form has.
//
// Strictness beyond the text: objects are closed (the spec has no
// additionalProperties: false, but a misspelt key is refused, where the
// platform would ignore it), and fields equal to their protobuf default
// count as absent in cross-field rules, as the platform (which decodes
// into protobuf messages) cannot tell them apart.
package spec
