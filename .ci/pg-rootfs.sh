#!/bin/bash
# Debian's PostgreSQL server and the libraries it loads, as .deb files in one directory: the input of
# ci/pgimage, which lays them out as the root filesystem of a PostgreSQL unikernel (and tests run it in
# the simulator). Downloads only what is missing, from the machine's own apt sources.
#   bash .ci/pg-rootfs.sh           # prints PG_DEBS=<dir>
set -euo pipefail
D=${PG_DEBS:-/var/tmp/ofk-pgdebs}
# postgresql-15's binaries (postgres, initdb) and the shared libraries they need, found with ldd on
# Debian 12; ci/pgimage checks that every DT_NEEDED of what it keeps resolves, and names what is missing.
# dash: initdb runs `postgres --boot` through /bin/sh (popen). tzdata: the server's TimeZone.
PKGS="postgresql-15 libpq5 libc6 dash tzdata
  libzstd1 liblz4-1 libxml2 libpam0g libssl3 libgssapi-krb5-2 zlib1g libldap-2.5-0 libicu72 libsystemd0
  liblzma5 libaudit1 libkrb5-3 libk5crypto3 libcom-err2 libkrb5support0 libsasl2-2 libgnutls30 libstdc++6
  libgcc-s1 libcap2 libgcrypt20 libcap-ng0 libkeyutils1 libp11-kit0 libidn2-0 libunistring2 libtasn1-6
  libnettle8 libhogweed6 libgmp10 libgpg-error0 libffi8"
mkdir -p $D
cd $D
missing=""
for p in $PKGS; do
  ls ${p}_*.deb >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit)" ] || apt-get update -qq >&2
  # apt's sandbox user cannot write here; downloading as root is what we mean
  apt-get download -q -o APT::Sandbox::User=root $missing >&2
fi
echo "PG_DEBS=$D"
