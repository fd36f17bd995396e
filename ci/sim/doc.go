// Package sim is a local KraftCloud (Unikraft Cloud) simulator: the REST API
// subset a deploy needs, an OCI registry playing index.unikraft.io, and real
// instances run as Linux processes in their own network, mount, PID, UTS and
// IPC namespaces, on a private bridge, under a memory cgroup, behind a TLS
// front that routes public host names to service groups.
//
// It follows the public Unikraft Cloud API as its OpenAPI spec
// (platform.yaml of github.com/unikraft-cloud/openapi) describes it, in
// one of two dialects (Options.Dialect): v1, the newest spec (v1.0.0 at
// 04bf96b1949b557670d86a7c91b74aeefbc2a045), or legacy (0.6.0 at
// 3ad398956ba262a9cae627a8baad93eed4c108bc). Its own description of the
// wire, ci/sim/spec, holds every request to the dialect's forms before a
// handler sees it (unknown keys, types, enums, required and mutually
// exclusive keys, ranges, the spec's cross-field rules), so it is at least
// as strict as the platform; refusals come in the platform's envelope.
// Answers have the dialect's shapes and spellings, states,
// stop_reason/stop_code values and per-item errors. It shares no code
// with the project's API client. What it does not settle and the
// simulator has to infer, the loader's exit codes above all, is said in
// loader.go, in one place.
//
// Embedded:
//
//	s, err := sim.Start(sim.Options{})   // or New(opts) then s.Start()
//	defer s.Close()
//	ep := s.Endpoints()                   // API URL, registry, TLS front, CA file, token, domain, gateway
//
// From the CLI, `go run . sim` prints ep as one JSON line and runs until
// SIGINT/SIGTERM (Main).
//
// What it plays:
//   - API on ep.API (bearer ep.Token): instances create/get/list/start/stop
//     (with draining)/wait/log/delete, service groups, autoscale
//     configurations and policies (stored and answered, not acted on),
//     volumes, images list/look-up, quotas; the forms are spec.Forms.
//   - Registry on ep.Registry (plain HTTP, basic auth = the token decoded),
//     seeded with official/base-compat:latest whose kernel is a placeholder.
//   - Instances: the image is pulled from the registry and read as the
//     platform's loader reads it (pull.go), its initrd unpacked, the
//     loader rules applied (loader.go), then cmd runs as PID 1 of new
//     namespaces with the image's rootfs as /, a private IP on the bridge,
//     /etc/resolv.conf pointing at the simulator's DNS ("<name>.internal"),
//     and memory_mb as a cgroup limit (OOM → the documented stop_code).
//   - TLS front on ep.TLS: dial it with "<service>." + ep.Domain as SNI and
//     Host, trusting ep.CA; it balances over running instances and wakes
//     scale-to-zero ones. A plain-HTTP front (Endpoints.HTTP) does 80 → 443.
//   - Restarts per restart_policy with the spec's back-off (lifecycle.go).
//   - GET /_sim/ca.pem on the API port (no auth): the CA of the TLS front.
//   - Faults: POST /_sim/faults on the API port (bearer auth) with the JSON
//     of Faults, or SetFaults: 429 bursts with Retry-After, 5xx (502/504 as
//     a gateway's HTML page), slow answers, crashes at boot, creates whose
//     connection is reset before the answer; Kill crashes a running app.
//
// It needs root. Everything it creates (bridge, veths, netns, mounts, cgroups,
// processes) is removed when an instance is deleted and when Close runs; a
// simulator that was killed is cleaned up by the next one to start.
package sim
