#!/usr/bin/env bash
# Start a throw-away PostgreSQL (Debian's package) on loopback for the test suite; prints the SQLAlchemy URL.
# Usage: eval "$(bash scripts/start_postgres.sh)"   -> exports AISLE_TEST_POSTGRES_URL
set -euo pipefail
port="${PGPORT:-54329}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q postgresql >/dev/null 2>&1 || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q postgresql >/dev/null; }
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
fi
data="$(mktemp -d /tmp/aisle-pg.XXXXXX)"
as_owner=()
if [ "$(id -u)" = 0 ]; then  # the server refuses to run as root
  chown postgres "$data"
  as_owner=(runuser -u postgres --)
fi
"${as_owner[@]}" "$bin/initdb" -D "$data/db" -A trust -U postgres -E UTF8 >/dev/null
"${as_owner[@]}" "$bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $data" start >/dev/null
echo "postgres: $("$bin/postgres" --version) on 127.0.0.1:$port (data $data)" >&2
echo "export AISLE_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
