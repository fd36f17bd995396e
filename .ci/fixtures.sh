#!/bin/bash
# Test fixtures for a machine that reaches no GitHub: OpenFGA's source as a local git repository with
# its release tag, and its Go dependencies (and this project's) as a GOPROXY-layout directory, both
# from the Go module proxy.
#   bash .ci/fixtures.sh            # prints KEY=VALUE lines: OPENFGA_REPO, OPENFGA_COMMIT, OPENFGA_DATE, GOPROXY_DIR
set -euo pipefail
F=${F:-/var/tmp/ofk-fixtures}
V=${OPENFGA_VERSION:-v1.11.0}
mkdir -p $F
info=$(go mod download -json github.com/openfga/openfga@$V)
dir=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])' <<<"$info")
# the commit date of the tag, from the proxy's origin record: the stamp reproduces the real one
date=$(python3 -c 'import json,sys; print(json.load(open(json.load(sys.stdin)["Info"]))["Time"])' <<<"$info")
repo=$F/openfga-$V
if [ ! -f $F/.ok-$V ]; then
  rm -rf $repo; cp -r "$dir" $repo; chmod -R u+w $repo
  export GIT_AUTHOR_NAME=fixture GIT_AUTHOR_EMAIL=fixture@localhost GIT_COMMITTER_NAME=fixture \
    GIT_COMMITTER_EMAIL=fixture@localhost GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date
  git -C $repo init -q -b main
  git -C $repo add -A
  git -C $repo -c commit.gpgsign=false commit -q -m "OpenFGA $V from the Go module proxy"
  git -C $repo -c tag.gpgsign=false tag -a -m "$V" $V
  touch $F/.ok-$V
fi
goproxy=$F/gomodcache
(cd $repo && GOMODCACHE=$goproxy GOFLAGS=-modcacherw go mod download)
# this project's own modules too: the module's rehearse builds the CLI and the simulator offline
(cd "$(dirname "$0")/.." && GOMODCACHE=$goproxy GOFLAGS=-modcacherw go mod download)
echo "OPENFGA_REPO=$repo"
echo "OPENFGA_COMMIT=$(git -C $repo rev-parse $V^{commit})"
echo "OPENFGA_DATE=$date"
echo "GOPROXY_DIR=$goproxy/cache/download"
