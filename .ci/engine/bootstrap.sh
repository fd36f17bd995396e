#!/bin/bash
# Bring up a real Dagger engine v0.19.7, built from the Go module source, on a machine that reaches
# no container registry and no GitHub (only the Go module proxy and Debian's apt mirror), as root.
#
#   bash .ci/engine/bootstrap.sh          # idempotent: each step is skipped when its output is current
#   . "$L/dagger-env.sh"                  # then: innet dagger call ...
#
# Adapted from the team's reference bootstrap; this copy is owned and tested by this project.
# What it adds: the Go images OpenFGA's go.mod asks for (GO_IMAGES), the Go SDK runtime image's module
# cache seeded with this project's own module graph (so the Dagger module can import ci/), and
# stamps so a second run only redoes what changed.
set -euo pipefail
L=${L:-/var/tmp/ofk-dagger}
V=v0.19.7                  # the newest Dagger whose whole dependency closure the module proxy serves
GO_SDK_VER=1.25.3          # Go inside the Go SDK runtime image (upstream: golang:1.25.3-alpine for v0.19.7)
GO_IMAGES=${GO_IMAGES:-1.25.3}   # golang:<v>-bookworm substitutes; OpenFGA v1.11.0 asks for go1.25.3
PROJECT=${PROJECT:-$(cd "$(dirname "$0")/../.." && pwd)}
export GOFLAGS=-buildvcs=false
mkdir -p $L/bin $L/oci $L/stamps
T0=$(date +%s)
log(){ echo "[bootstrap +$(( $(date +%s) - T0 ))s] $*" >&2; }
stamp_ok(){ [ -f $L/stamps/$1 ] && [ "$(cat $L/stamps/$1)" = "$2" ]; }
stamp_set(){ echo "$2" > $L/stamps/$1; }
debian_mirror(){
  local u
  u=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$u" ] || u=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$u" ] || { echo "no Debian mirror found in the apt sources" >&2; exit 1; }
  echo "$u"
}
gomoddir(){ go mod download -json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])'; }

[ "$(id -u)" = 0 ] || { echo "bootstrap: needs root (namespaces, mounts, debootstrap)" >&2; exit 1; }

log "0. host tools"
need=""
for t in debootstrap skopeo umoci nsenter ip git python3; do command -v $t >/dev/null || need=1; done
if [ -n "$need" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap skopeo umoci util-linux iproute2 git python3 >/dev/null
fi

SRC=$L/dagger-src-$V
if ! stamp_ok binaries $V || [ ! -x $L/bin/dagger ]; then
  log "1. dagger $V sources from the Go module proxy"
  DAGGER_DIR=$(GONOSUMDB=github.com/dagger/dagger gomoddir github.com/dagger/dagger@$V)  # the checksum db 404s for it
  SDK_DIR=$(gomoddir dagger.io/dagger@$V)
  rm -rf $SRC; cp -r $DAGGER_DIR $SRC; chmod -R u+w $SRC
  # go.mod replaces dagger.io/dagger => ./sdk/go and .../engine/distconsts => ./engine/distconsts:
  # nested modules, not in the module zip. The first is served on its own; the second is constants only.
  rm -rf $SRC/sdk/go; cp -r $SDK_DIR $SRC/sdk/go; chmod -R u+w $SRC/sdk/go
  mkdir -p $SRC/engine/distconsts
  cp "$PROJECT/.ci/engine/distconsts.go" $SRC/engine/distconsts/consts.go
  printf 'module github.com/dagger/dagger/engine/distconsts\n\ngo 1.22\n' > $SRC/engine/distconsts/go.mod
  log "2. build CLI, engine, dagger-init, dial-stdio, dnsname, codegen"
  (
    cd $SRC
    export CGO_ENABLED=0
    LDF="-s -w -X github.com/dagger/dagger/engine.Version=$V -X github.com/dagger/dagger/engine.Tag=$V"
    go build -trimpath -ldflags "$LDF" -o $L/bin/dagger ./cmd/dagger
    go build -trimpath -tags "dfexcludepatterns dfparents" -ldflags "$LDF" -o $L/bin/dagger-engine ./cmd/engine
    go build -trimpath -ldflags "-s -w" -o $L/bin/dagger-init ./cmd/init
    go build -trimpath -ldflags "-s -w" -o $L/bin/dial-stdio ./cmd/dialstdio
    go build -trimpath -ldflags "-s -w" -o $L/bin/dnsname ./cmd/dnsname
    # codegen writes runtime.Version() into generated go.mod files: build it with the SDK image's Go
    GOTOOLCHAIN=go$GO_SDK_VER go build -trimpath -ldflags "-s -w" -o $L/bin/codegen ./cmd/codegen
  )
  stamp_set binaries $V
fi

if [ ! -x $L/rootfs-base/bin/bash ]; then
  log "3. debootstrap a bookworm base rootfs"
  rm -rf $L/rootfs-base
  debootstrap --variant=minbase \
    --include=ca-certificates,git,openssh-client,curl,gcc,libc6-dev,make,pkg-config,procps,netbase,tzdata \
    bookworm $L/rootfs-base "$(debian_mirror)" >/dev/null
  rm -rf $L/rootfs-base/var/cache/apt/archives/*.deb
fi

R=$L/engine-rootfs
if ! stamp_ok engine-rootfs "$V" || [ ! -x $R/usr/local/bin/dagger-engine ]; then
  log "4. engine rootfs"
  rm -rf $R; cp -a $L/rootfs-base $R
  cp /etc/resolv.conf $R/etc/resolv.conf
  printf '#!/bin/sh\nexit 101\n' > $R/usr/sbin/policy-rc.d; chmod +x $R/usr/sbin/policy-rc.d
  unshare -m bash -c "
    mount -t proc proc $R/proc; mount --rbind /dev $R/dev
    chroot $R apt-get update -qq
    DEBIAN_FRONTEND=noninteractive chroot $R apt-get install -y -qq --no-install-recommends \
       iptables nftables dnsmasq-base runc containernetworking-plugins docker-registry pigz xz-utils zstd \
       iproute2 e2fsprogs ripgrep sqlite3 >/dev/null
    chroot $R apt-get clean"
  rm -rf $R/var/lib/apt/lists/*
  install -m755 $L/bin/dagger-engine $R/usr/local/bin/dagger-engine
  install -m755 $L/bin/dagger-init   $R/usr/local/bin/dagger-init
  install -m755 $L/bin/dial-stdio    $R/usr/bin/dial-stdio
  ln -sf /usr/bin/dial-stdio $R/usr/bin/buildctl
  ln -sf /usr/sbin/runc $R/usr/local/bin/runc
  mkdir -p $R/opt/cni/bin
  for p in bridge loopback firewall host-local; do ln -sf /usr/lib/cni/$p $R/opt/cni/bin/$p; done
  install -m755 $L/bin/dnsname $R/opt/cni/bin/dnsname
  mkdir -p $R/var/lib/dagger $R/run/dagger $R/etc/dagger $R/usr/local/share/dagger/content/blobs/sha256
  # offline DNS: no upstream nameserver, and public registry hosts pinned to loopback so a miss fails fast
  echo "# offline: no upstream DNS" > $R/etc/resolv.conf
  echo "127.0.0.1 registry-1.docker.io index.docker.io auth.docker.io docker.io registry.dagger.io dl.dagger.io" >> $R/etc/hosts
  chroot $R update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null
  chroot $R update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy >/dev/null
  cp "$PROJECT/.ci/engine/engine.toml" $R/etc/dagger/engine.toml
  echo '{"logLevel": "info"}' > $R/etc/dagger/engine.json
  cp "$PROJECT/.ci/engine/registry.yml" $R/etc/docker/registry/config.yml
  rm -f $L/stamps/gosdk
  stamp_set engine-rootfs "$V"
fi

# toolchain_dir VERSION: the Go toolchain from the module proxy, with the exec bits zips do not carry
toolchain_into(){
  local d; d=$(gomoddir golang.org/toolchain@v0.0.1-go$1.linux-amd64)
  mkdir -p $2/usr/local/go; cp -a $d/. $2/usr/local/go/; chmod -R u+w $2/usr/local/go
  chmod +x $2/usr/local/go/bin/* $2/usr/local/go/pkg/tool/linux_amd64/*
}

for GV in $GO_IMAGES; do
  stamp_ok golang-$GV done && continue
  log "5. golang:$GV-bookworm substitute image"
  G=$L/rootfs-golang-$GV
  rm -rf $G; cp -a $L/rootfs-base $G
  toolchain_into $GV $G
  mkdir -p $G/go/bin $G/go/src; chmod -R 1777 $G/go
  rm -rf $G/var/lib/apt/lists/*; : > $G/etc/resolv.conf
  rm -rf $L/oci/golang-$GV
  umoci init --layout $L/oci/golang-$GV
  umoci new --image $L/oci/golang-$GV:$GV-bookworm
  umoci insert --image $L/oci/golang-$GV:$GV-bookworm $G / >/dev/null
  umoci config --image $L/oci/golang-$GV:$GV-bookworm \
    --config.env GOLANG_VERSION=$GV --config.env GOTOOLCHAIN=local --config.env GOPATH=/go \
    --config.env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --config.workingdir /go --config.cmd bash --os linux --architecture amd64
  umoci gc --layout $L/oci/golang-$GV
  rm -rf $G
  stamp_set golang-$GV done
done

# The Go SDK runtime image has GOPROXY=off: its module cache must hold the SDK's graph and this
# project's (the Dagger module imports ci/ packages through a replace of the root module).
SEED=$( (cat "$0" "$PROJECT/go.sum" "$PROJECT/.dagger/go.sum" 2>/dev/null || true) | sha256sum | cut -c1-16)
if ! stamp_ok gosdk "$V-$SEED" || [ ! -f $R/etc/dagger/sdk.env ]; then
  log "6. Go SDK runtime image, module cache seeded (project go.sum $SEED)"
  S=$L/rootfs-gosdk
  rm -rf $S; cp -a $L/rootfs-base $S
  toolchain_into $GO_SDK_VER $S
  install -m755 $L/bin/codegen $S/usr/local/bin/codegen
  mkdir -p $S/go/pkg/mod $S/root/.cache/go-build
  ( cd $SRC/sdk/go && GOMODCACHE=$S/go/pkg/mod GOFLAGS=-mod=mod go mod download )
  # the generated module's `go mod tidy` also wants modules imported by tests of dependencies
  T=$L/tmp-tidy; rm -rf $T; mkdir -p $T
  cp -a $SRC/sdk/go $T/sdk; chmod -R u+w $T
  ( cd $T/sdk && GOMODCACHE=$S/go/pkg/mod GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod tidy )
  if [ -f "$PROJECT/.dagger/go.mod" ]; then
    # a scratch copy of the project: tidy both modules so every module they may need is cached
    (cd "$PROJECT" && git ls-files -co --exclude-standard -z | grep -zE '(^|/)(go\.mod|go\.sum|[^/]*\.go)$' \
      | xargs -0 -I{} cp --parents {} $T/) 2>/dev/null || true
    ( cd $T && GOMODCACHE=$S/go/pkg/mod GOFLAGS=-mod=mod go mod download all && \
      GOMODCACHE=$S/go/pkg/mod GOFLAGS=-mod=mod go mod tidy -e )
    # the generated bindings (absent before the first `dagger develop`) import what the SDK's packages
    # import: a stub stands in for them so the seed holds those modules at the versions this graph selects
    printf 'package main\n\nimport (\n\t_ "dagger.io/dagger"\n\t_ "dagger.io/dagger/querybuilder"\n\t_ "dagger.io/dagger/telemetry"\n)\n' > $T/.dagger/zz_seed.go
    ( cd $T/.dagger && go mod edit -require=dagger.io/dagger@$V )
    ( cd $T/.dagger && GOMODCACHE=$S/go/pkg/mod GOFLAGS=-mod=mod go mod download all && \
      GOMODCACHE=$S/go/pkg/mod GOFLAGS=-mod=mod go mod tidy -e )
  fi
  rm -rf $T
  cp -a $SRC/sdk/go $S/sdk
  unshare -m bash -c "mount -t proc proc $S/proc; mount --rbind /dev $S/dev; \
    chroot $S /usr/bin/env -i HOME=/root PATH=/usr/local/go/bin:/usr/bin:/bin GOPATH=/go GOTOOLCHAIN=local \
       GOPROXY=off GOFLAGS=-mod=mod GOSUMDB=off \
    sh -c 'go build std && go list -C /sdk -e -export=true -compiled=true -deps=true -test=false . >/dev/null &&
           go list -C /sdk -e -deps -f \"{{with .Module}}{{.Dir}}{{end}}\" . | sort -u > /tmp/sdk-modules'"
  # Keep unpacked only the modules the SDK compiles: the others stay as the zips Go unpacks on demand.
  # The engine unpacks this image again on a cold start, so each unpacked tree left here costs every
  # module's first call (the project's graph, tests of dependencies included, is most of the image).
  find $S/go/pkg/mod -path $S/go/pkg/mod/cache -prune -o -type d -name '*@*' -prune -print | while read -r d; do
    grep -qxF "${d#$S}" $S/tmp/sdk-modules || { chmod -R u+w "$d"; rm -rf "$d"; }
  done
  rm -f $S/tmp/sdk-modules
  rm -rf $S/sdk $S/var/lib/apt/lists/*; : > $S/etc/resolv.conf
  rm -rf $L/oci/gosdk
  umoci init --layout $L/oci/gosdk
  umoci new --image $L/oci/gosdk:latest
  umoci insert --image $L/oci/gosdk:latest $S / >/dev/null
  umoci config --image $L/oci/gosdk:latest \
    --config.env GOTOOLCHAIN=local --config.env GOPATH=/go \
    --config.env GOPROXY=off --config.env GOSUMDB=off --config.env GOFLAGS=-mod=mod \
    --config.env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --os linux --architecture amd64
  umoci gc --layout $L/oci/gosdk
  DIG=$(python3 -c "import json;print(json.load(open('$L/oci/gosdk/index.json'))['manifests'][0]['digest'])")
  rm -rf $R/usr/local/share/dagger/content/blobs/sha256; mkdir -p $R/usr/local/share/dagger/content/blobs/sha256
  cp $L/oci/gosdk/blobs/sha256/* $R/usr/local/share/dagger/content/blobs/sha256/
  echo "DAGGER_GO_SDK_MANIFEST_DIGEST=$DIG" > $R/etc/dagger/sdk.env
  rm -rf $S
  stamp_set gosdk "$V-$SEED"
  RESTART=1
fi

log "7. helper scripts"
sed "s#@L@#$L#g; s#@R@#$R#g" "$PROJECT/.ci/engine/start-engine.sh.in" > $L/start-engine.sh
cat > $L/stop-engine.sh <<EOF
#!/bin/bash
# SIGTERM the dagger-engine (pid 1 of its pid namespace = the child of the unshare process in engine.pid)
[ -f $L/engine.pid ] || exit 0
U=\$(cat $L/engine.pid); E=\$(pgrep -P "\$U" || true)
[ -n "\$E" ] && kill -TERM "\$E"
for i in \$(seq 1 60); do kill -0 "\$U" 2>/dev/null || { rm -f $L/engine.pid; exit 0; }; sleep 0.5; done
echo "engine still running" >&2; exit 1
EOF
cat > $L/dagger-env.sh <<EOF
# source me
export L=$L
export _EXPERIMENTAL_DAGGER_RUNNER_HOST=unix://$L/run/engine.sock
export _EXPERIMENTAL_DAGGER_CLI_BIN=$L/bin/dagger
export DO_NOT_TRACK=1 DAGGER_NO_NAG=1 DAGGER_NO_UPDATE_CHECK=1
export PATH=$L/bin:\$PATH
# run a command inside the engine's network namespace (no route off the machine): innet dagger call ...
innet() { nsenter --net=$L/ns/net -- "\$@"; }
EOF
chmod +x $L/start-engine.sh $L/stop-engine.sh
. $L/dagger-env.sh

running(){ [ -f $L/engine.pid ] && kill -0 "$(cat $L/engine.pid)" 2>/dev/null; }
if running && [ -n "${RESTART:-}" ]; then log "restarting the engine (new SDK image)"; $L/stop-engine.sh; fi
if ! running; then
  log "8. start the engine"
  nohup $L/start-engine.sh > $L/engine.log 2>&1 &
  echo $! > $L/engine.pid
fi
for i in $(seq 1 300); do echo '{version}' | innet dagger query >/dev/null 2>&1 && break; sleep 0.2; done
echo '{version}' | innet dagger query >/dev/null || { tail -50 $L/engine.log >&2; exit 1; }

log "9. Go images into the engine's docker.io mirror"
for i in $(seq 1 50); do innet bash -c 'exec 3<>/dev/tcp/127.0.0.1/5000' 2>/dev/null && break; sleep 0.2; done
for GV in $GO_IMAGES; do
  innet skopeo copy -q --dest-tls-verify=false oci:$L/oci/golang-$GV:$GV-bookworm \
    docker://127.0.0.1:5000/library/golang:$GV-bookworm
done
log "engine ready: . $L/dagger-env.sh; innet dagger ..."
