#!/bin/bash
# The project's test command: everything, on this machine, as root.
#   1. a real Dagger engine v0.19.7 (built from source, air-gapped) and the OpenFGA fixtures
#   2. OpenFGA built by the module (`dagger call binary export`): the binary the engine-free tests deploy,
#      and an older release built on the host (the restore test upgrades from it)
#   3. a real PostgreSQL server and Debian's PostgreSQL packages (for the PostgreSQL unikernel)
#   4. the unit tests of ci/ (the simulator's, deploy's and datastore's need root), and the module vetted
#   5. the engine-backed tests of ci/e2e: the module called through `dagger call`, as users do
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH GOFLAGS=${GOFLAGS:-}
step(){ echo; echo "=== $* ($(date +%T))"; }

step "engine"
bash .ci/engine/bootstrap.sh
. "${L:-/var/tmp/ofk-dagger}/dagger-env.sh"

step "fixtures"
eval "$(bash .ci/fixtures.sh | sed 's/^/export /')"
export OPENFGA_BIN=/var/tmp/ofk-fixtures/openfga
innet dagger call --source="$OPENFGA_REPO" --commit="$OPENFGA_COMMIT" --goproxy-dir="$GOPROXY_DIR" \
  binary export --path "$OPENFGA_BIN" >/dev/null

step "an older OpenFGA (v1.9.5: before the pinned release's last schema migration, for the restore test)"
export OPENFGA_OLD_BIN=/var/tmp/ofk-fixtures/openfga-old-v1.9.5
if [ ! -x "$OPENFGA_OLD_BIN" ]; then
  eval "$(OPENFGA_VERSION=v1.9.5 bash .ci/fixtures.sh | sed 's/^/OLD_/')"
  go run . build --source "$OLD_OPENFGA_REPO" --version v1.9.5 --commit "$OLD_OPENFGA_COMMIT" --date "$OLD_OPENFGA_DATE" \
    -o "$OPENFGA_OLD_BIN.tmp" >/dev/null && mv "$OPENFGA_OLD_BIN.tmp" "$OPENFGA_OLD_BIN"
fi

step "PostgreSQL (a real server, and Debian's packages for the PostgreSQL unikernel)"
eval "$(bash .ci/postgres.sh | sed 's/^/export /')"
eval "$(bash .ci/pg-rootfs.sh | sed 's/^/export /')"

step "unit tests"
go vet ./...
(cd .dagger && go vet ./...)
go test -count=1 ./...

step "the README's first command, as written"
bash .ci/rehearse.sh > /tmp/rehearse.json
grep -q '"verified": true' /tmp/rehearse.json

step "engine-backed tests"
go test -tags e2e -count=1 -run XXX ./ci/e2e/ >/dev/null   # compile (and fetch) outside the offline netns
innet go test -tags e2e -count=1 -timeout 80m -v ./ci/e2e/
