// Package e2e runs the Dagger module on a real engine through the dagger CLI,
// the way users call it. The tests carry the build tag e2e and expect the
// environment that .ci/test.sh prepares: a running engine (the dagger-env.sh
// of .ci/engine/bootstrap.sh), the process inside the engine's network
// namespace, and the fixtures of .ci/fixtures.sh (OPENFGA_REPO,
// OPENFGA_COMMIT, OPENFGA_DATE, GOPROXY_DIR).
package e2e
