// Package api holds the wire types of the Unikraft Cloud (KraftCloud) REST
// API v1, as documented in shared/research/kraftcloud-api.md: the response
// envelope, instances, service groups, volumes, images, quotas, logs and
// waits, plus the decoding (and encoding) of stop_reason and stop_code.
//
// It has no HTTP code on purpose: both the client (ci/kraftcloud) and the
// local simulator (ci/sim) import it, so the two can never disagree on a
// field name. It must import neither of them.
package api
