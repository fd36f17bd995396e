#!/bin/bash
# Deploy benchmark (not a test), through the module as users run it, side by side in one run: a first
# deploy, an unchanged redeploy on the same engine and on a new engine with an empty state (a cold CI
# runner: the registry's image is reused, nothing is built), the same with --rebuild, and rehearse cold
# and warm. The engine's state is set aside for the cold runs and put back at the end.
#   bash .ci/bench-deploy.sh     # as root; needs the engine (.ci/engine/bootstrap.sh) and the fixtures
set -euo pipefail
cd "$(dirname "$0")/.."
. "${L:-/var/tmp/ofk-dagger}/dagger-env.sh"
eval "$(bash .ci/fixtures.sh | sed 's/^/export /')"
out=$(mktemp -d)
kept=$L/state.bench-warm
# A new engine on an empty state directory, as a CI runner starts one: nothing cached, not even the Go
# SDK image unpacked (a prune may leave that). Started outside this shell, so that `wait` does not wait for it.
engine(){ "$L/stop-engine.sh"; rm -rf "$L/state"; [ -z "${1:-}" ] || mv "$1" "$L/state"
  ( nohup "$L/start-engine.sh" > "$L/engine.log" 2>&1 & echo $! > "$L/engine.pid" )
  for i in $(seq 300); do (cd / && echo '{version}' | innet dagger query >/dev/null 2>&1) && return; sleep 0.2; done
  tail -20 "$L/engine.log" >&2; exit 1; }
cold(){ [ -d "$kept" ] || { "$L/stop-engine.sh"; mv "$L/state" "$kept"; }; engine; }
trap 'kill "$(cat "$out/sim.pid" 2>/dev/null)" 2>/dev/null; wait 2>/dev/null; rm -rf "$out"; [ ! -d "$kept" ] || engine "$kept"' EXIT
go build -o "$out/ofk" .
gw=10.87.0.1 # the engine network's bridge: the one address the module's containers reach
innet sh -c 'echo $$ > "$1/sim.pid"; exec "$1/ofk" sim --api $2:0 --registry $2:0 --tls $2:0 --http $2:0' sh "$out" $gw \
  > "$out/sim.json" 2> "$out/sim.log" &
until [ -s "$out/sim.json" ]; do sleep 0.2; done
j(){ python3 -c "import json,sys; print(json.load(open('$out/sim.json'))['$1'])"; }
export SIM_TOKEN=$(j token) OPENFGA_PRESHARED_KEY=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
mod=(--source="$OPENFGA_REPO" --commit="$OPENFGA_COMMIT" --goproxy-dir="$GOPROXY_DIR")
dep=(deploy --token=env://SIM_TOKEN --api="$(j api)" --registry="http://$(j registry)" --ca="$(j ca)"
     --connect-to="$(j tls)" --preshared-key=env://OPENFGA_PRESHARED_KEY --name=bench --memory=512Mi)
t(){ local s=$(date +%s.%N); innet dagger call "$@" >"$out/log" 2>&1 || { tail -30 "$out/log"; exit 1; }; awk -v a="$(date +%s.%N)" -v b="$s" 'BEGIN{printf "%.1f", a-b}'; }
# The baseline: an empty Go module's first call on a new engine too, what any Go module pays
mkdir "$out/empty" && (cd "$out/empty" && innet dagger init --sdk=go --name=empty --license= . >/dev/null 2>&1 &&
  printf 'package main\n\ntype Empty struct{}\n\nfunc (m *Empty) Hello() string { return "hi" }\n' > main.go)

# "warm engine" means what it says: the module already compiled, the binary built (packaging the image
# is the first deploy's, unless an earlier run on this engine did it)
t "${mod[@]}" binary >/dev/null
first=$(t "${mod[@]}" "${dep[@]}")
same=$(t "${mod[@]}" "${dep[@]}")
grep -q '"changed": false' "$out/log" || { echo "the unchanged redeploy rolled out" >&2; exit 1; }
# Nothing is built when the registry's image is reused: no module proxy directory is uploaded, as on a
# runner that reaches the proxy (one that built would fail here, offline, and the bench with it).
cold; unchanged=$(t --source="$OPENFGA_REPO" --commit="$OPENFGA_COMMIT" "${dep[@]}")
grep -q "without a build" "$out/log" || { echo "the unchanged redeploy built" >&2; exit 1; }
cold; empty=$(cd "$out/empty" && t hello)
cold; rebuild=$(t "${mod[@]}" "${dep[@]}" --rebuild --force)
cold; rcold=$(t "${mod[@]}" rehearse)
rwarm=$(t "${mod[@]}" rehearse)
warm=$(t "${mod[@]}" "${dep[@]}" --force)
cat <<TABLE
| through the module (2 cores, one run) | seconds |
|---|---|
| first deploy (warm engine: the module loaded, the binary built) | $first |
| unchanged redeploy, warm engine (a runner that keeps its engine) | $same |
| unchanged redeploy, new engine (a cold runner): the registry's image reused | $unchanged |
| the same with \`--rebuild --force\` | $rebuild |
| baseline: an empty Go module's first call, new engine | $empty |
| deploy with \`--force\` (a rollout), warm engine, against the host's simulator | $warm |
| \`rehearse\`, new engine | $rcold |
| \`rehearse\`, warm | $rwarm |
TABLE
