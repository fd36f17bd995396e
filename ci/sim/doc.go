// Package sim is a local KraftCloud (Unikraft Cloud) simulator: the REST API
// subset a deploy needs, an OCI registry playing index.unikraft.io, and real
// instances run as Linux processes in their own network, mount, PID and UTS
// namespaces, on a private bridge, under a memory cgroup, behind a TLS front
// that routes public host names to service groups.
//
// It follows shared/research/kraftcloud-api.md (the "doc"): the same paths,
// JSON (types from ci/kraftcloud/api), states, stop_reason/stop_code values
// and per-item errors. What the doc does not settle and we had to infer, the
// loader's exit codes above all, is said in loader.go, in one place.
//
// It needs root. Everything it creates (bridge, veths, netns, mounts, cgroups,
// processes) is removed when an instance is deleted and when Close runs.
//
// Use it embedded (New, Start, Close) or as `go run . sim` (Command).
package sim
