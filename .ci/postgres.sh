#!/bin/bash
# A real PostgreSQL server for the tests (issue 5): Debian's packages, installed when missing, and one
# server with its own data directory, started when it is not running. Idempotent; run it as root.
# It listens on every address (the simulator's instances reach it at their bridge's gateway, the .1 of
# the simulator's subnet), but pg_hba.conf lets in only 127.0.0.0/8 and 10.0.0.0/8, with a password.
#   eval "$(bash .ci/postgres.sh | sed 's/^/export /')"   # PG_HOST PG_PORT PG_USER PG_PASSWORD PG_DB
set -euo pipefail
D=${PG_DIR:-/var/tmp/ofk-pg}
PORT=${PG_PORT:-55432}
DB=openfga
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || ! command -v psql >/dev/null; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client >&2
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { runuser -u postgres -- "$@"; }

mkdir -p $D
chown postgres:postgres $D
chmod 700 $D
if [ ! -s $D/password ]; then
  (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > $D/password)
fi
PW=$(cat $D/password)

if [ ! -s $D/data/PG_VERSION ]; then
  (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > $D/superpw; chown postgres $D/superpw)
  as_pg $BIN/initdb -D $D/data -U postgres --pwfile=$D/superpw --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C >&2
  cat > $D/data/pg_hba.conf <<HBA
local all postgres peer
host  all all 127.0.0.0/8 scram-sha-256
host  all all 10.0.0.0/8  scram-sha-256
HBA
fi

if ! as_pg $BIN/pg_ctl -D $D/data status >/dev/null 2>&1; then
  as_pg $BIN/pg_ctl -D $D/data -l $D/server.log -w -t 30 \
    -o "-c listen_addresses=* -c port=$PORT -c unix_socket_directories=$D" start >&2
fi

psql_su() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h $D -p $PORT -U postgres -d postgres "$@"; }
# the password is passed as a psql variable on stdin, never on a command line
if [ "$(psql_su -tAc "select 1 from pg_roles where rolname='$DB'")" != 1 ]; then
  psql_su -c "create role $DB login"
fi
printf '%s\n' "\\set pw '$PW'" "alter role $DB password :'pw';" | psql_su
if [ "$(psql_su -tAc "select 1 from pg_database where datname='$DB'")" != 1 ]; then
  psql_su -c "create database $DB owner $DB"
fi

echo "PG_HOST=127.0.0.1"
echo "PG_PORT=$PORT"
echo "PG_USER=$DB"
echo "PG_PASSWORD=$PW"
echo "PG_DB=$DB"
