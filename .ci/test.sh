#!/bin/bash
# The project's test command: everything, on this machine, as root.
#   1. unit tests of ci/ (no engine; the simulator's tests need root)
#   2. the Dagger module compiles and vets
#   3. a real Dagger engine v0.19.7 (built from source, air-gapped) and the OpenFGA fixtures
#   4. the engine-backed tests of ci/e2e: the module called through `dagger call`, as users do
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH GOFLAGS=${GOFLAGS:-}
step(){ echo; echo "=== $* ($(date +%T))"; }

step "unit tests"
go vet ./...
go test -count=1 ./...

step "Dagger module: vet"
(cd .dagger && go vet ./...)

step "engine"
bash .ci/engine/bootstrap.sh
. "${L:-/var/tmp/ofk-dagger}/dagger-env.sh"

step "fixtures"
eval "$(bash .ci/fixtures.sh | sed 's/^/export /')"
go test -tags e2e -count=1 -run XXX ./ci/e2e/ >/dev/null   # compile (and fetch) outside the offline netns

step "engine-backed tests"
innet go test -tags e2e -count=1 -timeout 80m -v ./ci/e2e/
