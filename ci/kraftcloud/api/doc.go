// Package api holds the wire types of the Unikraft Cloud (KraftCloud) REST
// API v1, as the client sends and reads them: the response envelope,
// instances, service groups, volumes, images, quotas, logs and waits, plus
// the decoding (and encoding) of stop_reason and stop_code.
//
// The reference is the platform's OpenAPI description, SpecCommit below;
// where the sources disagree (the 2024 spec, the SDKs), the client sends
// the newest spec's form first and falls back to the older one when the
// platform answers that it does not understand it (see ci/kraftcloud).
// The local simulator (ci/sim) keeps its own model of the spec and shares
// no code with this package, so a mistake here cannot pass there unseen.
package api

// SpecCommit is the commit of unikraft-cloud/openapi whose platform.yaml
// (v1.0.0) the client follows; LegacySpecCommit is the 2024 one (0.6.0,
// the api.<metro>.kraft.cloud metros) whose forms are the fallbacks.
const (
	SpecCommit       = "04bf96b1949b557670d86a7c91b74aeefbc2a045"
	LegacySpecCommit = "3ad398956ba262a9cae627a8baad93eed4c108bc"
)
