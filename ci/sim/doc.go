// Package sim is a local KraftCloud (Unikraft Cloud) simulator: the REST API
// subset a deploy needs, an OCI registry playing index.unikraft.io, and real
// instances run as Linux processes in their own network, mount, PID, UTS and
// IPC namespaces, on a private bridge, under a memory cgroup, behind a TLS
// front that routes public host names to service groups.
//
// It follows the public Unikraft Cloud API, as its OpenAPI spec
// (platform.yaml) and API reference describe it and kraftkit uses it: the
// same paths, JSON (types from ci/kraftcloud/api), states,
// stop_reason/stop_code values and per-item errors. Where the package's
// comments say "documented", they mean that public documentation. What it
// does not settle and the simulator has to infer, the loader's exit codes
// above all, is said in loader.go, in one place.
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
//   - API on ep.API (bearer ep.Token): instances create/get/list/start/stop/
//     wait/log/delete, service groups, volumes, images list/lookup, quotas.
//   - Registry on ep.Registry (plain HTTP, basic auth = the token decoded),
//     seeded with official/base-compat:latest whose kernel is a placeholder.
//   - Instances: the image is pulled from the registry, its initrd unpacked,
//     the loader rules applied (loader.go), then cmd runs as PID 1 of new
//     namespaces with the image's rootfs as /, a private IP on the bridge,
//     /etc/resolv.conf pointing at the simulator's DNS ("<name>.internal"),
//     and memory_mb as a cgroup limit (OOM → the documented stop_code).
//   - TLS front on ep.TLS: dial it with "<service>." + ep.Domain as SNI and
//     Host, trusting ep.CA; it balances over running instances and wakes
//     scale-to-zero ones. A plain-HTTP front (Endpoints.HTTP) does 80 → 443.
//   - Faults: POST /_sim/faults on the API port (bearer auth) with the JSON
//     of Faults, or SetFaults: 429 bursts with Retry-After, 5xx, slow
//     answers, crashes at boot.
//
// It needs root. Everything it creates (bridge, veths, netns, mounts, cgroups,
// processes) is removed when an instance is deleted and when Close runs; a
// simulator that was killed is cleaned up by the next one to start.
package sim
