#!/bin/bash
# The README's first command: the whole pipeline against the simulator, in the engine, on this machine.
#   sudo bash .ci/rehearse.sh [rehearse flags, e.g. --crash]
# With Dagger installed and GitHub reachable it is `dagger call rehearse` alone. Here, as root on a
# Debian machine with Go (and no Dagger, no GitHub): it brings up the project's engine when none is
# running (.ci/engine/bootstrap.sh), takes OpenFGA's pinned source and modules from the Go module proxy
# (.ci/fixtures.sh), and calls `dagger call rehearse` with them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
L=${L:-/var/tmp/ofk-dagger}
if command -v dagger >/dev/null && [ -z "${_EXPERIMENTAL_DAGGER_RUNNER_HOST:-}" ] && timeout 10 git ls-remote https://github.com/openfga/openfga >/dev/null 2>&1; then
  exec dagger call rehearse "$@"
fi
bash .ci/engine/bootstrap.sh >&2   # idempotent: seconds when the engine is up and current
. "$L/dagger-env.sh"
eval "$(bash .ci/fixtures.sh | sed 's/^/export /')"
innet dagger call --source="$OPENFGA_REPO" --commit="$OPENFGA_COMMIT" --goproxy-dir="$GOPROXY_DIR" rehearse "$@"
