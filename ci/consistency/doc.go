// Package consistency holds the tests that keep the repository's pinned
// versions in step: the engine version in dagger.json, the CLI the GitHub
// workflow installs, the engine the air-gapped bootstrap builds, the Go
// the module may ask of the SDK runtime, and the libraries the module shares
// with the SDK, at the SDK's versions. Drift between them is the most
// common way a Dagger pipeline breaks in CI.
package consistency
