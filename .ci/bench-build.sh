#!/bin/bash
# Build benchmark (not a test): the module's build on the engine against a plain host `go build` of the
# same tree with the same flags, measured in one run, plus the sizes of what comes out.
#   bash .ci/bench-build.sh      # needs the engine (.ci/engine/bootstrap.sh) and the fixtures; prints a table
set -euo pipefail
cd "$(dirname "$0")/.."
. "${L:-/var/tmp/ofk-dagger}/dagger-env.sh"
eval "$(bash .ci/fixtures.sh | sed 's/^/export /')"
out=$(mktemp -d)
args=(--source="$OPENFGA_REPO" --commit="$OPENFGA_COMMIT" --goproxy-dir="$GOPROXY_DIR")
cold=bench-$(date +%s%N)
t(){ local s=$(date +%s.%N); "$@" >"$out/log" 2>&1 || { tail -30 "$out/log"; exit 1; }; awk -v a="$(date +%s.%N)" -v b="$s" "BEGIN{print a-b}"; }
call(){ innet dagger call "${args[@]}" "$@"; }

c=$(t call --module-cache=$cold-mod --build-cache=$cold-build binary export --path "$out/cold")
w=$(t call --module-cache=$cold-mod --build-cache=$cold-build binary export --path "$out/warm")
# A relink is a few seconds: the median of three, each with another stamp, for the module and the host alike
median(){ printf '%s\n' "$@" | sort -g | sed -n 2p; }
r=$(median $(for s in 40 41 42; do t call --module-cache=$cold-mod --build-cache=$cold-build --date=2025-11-05T19:58:${s}Z binary export --path "$out/relink"; echo; done))
go build -o "$out/ofk" .
"$out/ofk" build --source "$OPENFGA_REPO" -o "$out/host-warmup" --commit "$OPENFGA_COMMIT" >/dev/null 2>&1
h=$(median $(for s in 40 41 42; do t "$out/ofk" build --source "$OPENFGA_REPO" -o "$out/host" --commit "$OPENFGA_COMMIT" --date 2025-11-05T19:58:${s}Z; echo; done))
call tarball export --path "$out/image.oci.tar" >/dev/null 2>&1
size(){ stat -c %s "$1" | awk '{printf "%.1f MiB", $1/1048576}'; }
cat <<TABLE
| measurement (2 cores, one run) | seconds |
|---|---|
| module: cold build (empty cache volumes), \`binary export\` | $(printf %.1f "$c") |
| module: warm rebuild, no change (function cache hit) | $(printf %.1f "$w") |
| module: warm rebuild, stamp changed (warm Go caches, relink; median of 3) | $(printf %.1f "$r") |
| baseline: host \`go build\`, warm cache, stamp changed (median of 3) | $(printf %.1f "$h") |
| inner loop: module relink / host relink | $(awk -v r="$r" -v h="$h" 'BEGIN{printf "%.2f×", r/h}') |

| artefact | size |
|---|---|
| binary (static, -s -w) | $(size "$out/cold") |
| image, OCI tarball (one gzip layer) | $(size "$out/image.oci.tar") |
TABLE
rm -rf "$out"
