// Package kraftcloud is a small typed client for the Unikraft Cloud
// (KraftCloud) REST API v1, written on net/http: neither the old SDK
// (sdk.kraft.cloud) nor the generated one (unikraft.com/cloud/sdk) is
// served by the Go module proxy. Wire types live in ./api; the spec they
// follow is api.SpecCommit. Where the published sources disagree on a
// request's form, the client sends the newest spec's and falls back to the
// older one when the platform does not understand it (forms.go), and it
// reads "not found" and "timed out" in every shape they allow.
//
// Every answer's envelope is checked: a per-item error becomes an
// *APIError naming its code, never a silent empty result. Idempotent calls
// (GET, DELETE) are retried on 429/502/503/504 and connection errors with
// jittered exponential backoff, honouring Retry-After, within a bounded
// total time. The token never appears in an error or log line.
package kraftcloud
