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
host(){ median $(for s in 40 41 42; do t "$out/ofk" build --source "$OPENFGA_REPO" -o "$out/host" --commit "$OPENFGA_COMMIT" --date 2025-11-05T19:58:${s}Z; echo; done); }
h=$(host)
# The same relink with the compiler the module uses, OpenFGA's own toolchain (from the module proxy),
# so that the ratio compares the module's overhead and not two Go releases
tc=$(sed -n 's/^toolchain //p' "$OPENFGA_REPO/go.mod"); tc=${tc:-go$(sed -n 's/^go //p' "$OPENFGA_REPO/go.mod")}
tcroot=$(GOTOOLCHAIN=$tc go env GOROOT)
PATH=$tcroot/bin:$PATH "$out/ofk" build --source "$OPENFGA_REPO" -o "$out/host-warmup" --commit "$OPENFGA_COMMIT" >/dev/null 2>&1
ht=$(PATH=$tcroot/bin:$PATH host)
call tarball export --path "$out/image.oci.tar" >/dev/null 2>&1
size(){ stat -c %s "$1" | awk '{printf "%.1f MiB", $1/1048576}'; }
cat <<TABLE
| measurement (2 cores, one run) | seconds |
|---|---|
| module: cold build (empty cache volumes), \`binary export\` | $(printf %.1f "$c") |
| module: warm rebuild, no change (function cache hit) | $(printf %.1f "$w") |
| module: warm rebuild, stamp changed (warm Go caches, relink; median of 3) | $(printf %.1f "$r") |
| baseline: host \`go build\` (host Go $(go env GOVERSION)), warm cache, stamp changed (median of 3) | $(printf %.1f "$h") |
| baseline: the same with the module's compiler, OpenFGA's toolchain $tc (median of 3) | $(printf %.1f "$ht") |
| inner loop: module relink / host relink | $(awk -v r="$r" -v h="$h" 'BEGIN{printf "%.2f×", r/h}') |
| inner loop, same compiler: module relink / host relink with $tc | $(awk -v r="$r" -v h="$ht" 'BEGIN{printf "%.2f×", r/h}') |
| floor: (a call that builds nothing + host relink with $tc) / host relink with $tc | $(awk -v w="$w" -v h="$ht" 'BEGIN{printf "%.2f×", (w+h)/h}') |

| artefact | size |
|---|---|
| binary (static, -s -w) | $(size "$out/cold") |
| image, OCI tarball (one gzip layer) | $(size "$out/image.oci.tar") |
TABLE
rm -rf "$out"
