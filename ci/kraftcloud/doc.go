// Package kraftcloud is a small typed client for the Unikraft Cloud
// (KraftCloud) REST API v1, written on net/http because no Unikraft Go SDK
// can be fetched here (research doc §11). Wire types live in ./api, shared
// with the local simulator.
//
// Every answer's envelope is checked: a per-item error becomes an
// *APIError naming its code, never a silent empty result. Idempotent calls
// (GET, DELETE) are retried on 429/502/503/504 and connection errors with
// jittered exponential backoff, honouring Retry-After, within a bounded
// total time. The token never appears in an error or log line.
package kraftcloud
