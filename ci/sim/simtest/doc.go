// Package simtest is a test kit for code that talks to the KraftCloud
// simulator (ci/sim): it starts one for a test and closes it at the end,
// packages and pushes images to its registry, builds the static guest
// programs tests run, and holds the small helpers those tests share (a
// client for the TLS front, a health prober, a log buffer, a secrets check).
// It is shipped as a package so that every test uses the same double, the
// way go-containerregistry ships pkg/registry.
//
//	func TestMain(m *testing.M) { os.Exit(simtest.Main(m)) }
//
//	func TestX(t *testing.T) {
//		s := simtest.Start(t)                      // skips unless root
//		bin := simtest.GoBinary(t, "./testdata/app")
//		img := simtest.Push(t, s, simtest.Rootfs(t, bin, 0o755), []string{"/usr/bin/openfga"})
//		...
//	}
//
// The simulator needs root (network namespaces, a bridge, memory cgroups):
// Start skips the test otherwise.
package simtest
