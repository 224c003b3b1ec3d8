#!/usr/bin/env bash
# Regenerates tests/fixtures/pg_control/pgN_initdb.pg_control and pgN_initdb.control.json for
# PostgreSQL 14, 16, 17 and 18 (the servers of tools/pg_versions.sh; 15's fixture comes with
# pg_controldata's text, pg15_initdb.controldata.txt): initdb (18's default data checksums
# kept), start, the server's own reading of its pg_control (pg_control_system(),
# pg_control_checkpoint(), pg_control_init(), pg_control_recovery() as one JSON object), an
# immediate stop (no shutdown checkpoint, so the file is the one the functions read), and the
# file copied. tests/redo/storage/control_file_test.cpp checks that understudy reads each file as
# its server did and writes it back byte for byte.
#
# Usage: tools/make_control_fixtures.sh [VERSION...]   (default 14 16 17 18)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/tools/lib/pg.sh"
PSQL="$PGBIN/psql"   # 15's psql reads every version's functions
VERSIONS=("$@")
[ ${#VERSIONS[@]} -gt 0 ] || VERSIONS=(14 16 17 18)
"$ROOT/tools/pg_versions.sh" >/dev/null
OUT="$ROOT/tests/fixtures/pg_control"
mkdir -p "$OUT"
for v in "${VERSIONS[@]}"; do
  BIN="/tmp/understudy-pgversions/$v/bin"
  [ -x "$BIN/initdb" ] || { echo "make_control_fixtures: no PostgreSQL $v server in $BIN (tools/pg_versions.sh)" >&2; exit 1; }
  pg_tmpdir TMP "/tmp/understudy-controlfix-$v.XXXXXX"
  PORT=$(free_port)
  PGBIN="$BIN" pg_init_start "$TMP/data" "$PORT"
  as_pg "$PSQL" -X -A -t -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c \
    "select json_build_object('system', (select row_to_json(s) from pg_control_system() s),
                              'checkpoint', (select row_to_json(c) from pg_control_checkpoint() c),
                              'init', (select row_to_json(i) from pg_control_init() i),
                              'recovery', (select row_to_json(r) from pg_control_recovery() r))" >"$TMP/control.json"
  PGBIN="$BIN" pg_stop "$TMP/data" immediate
  cp "$TMP/data/global/pg_control" "$OUT/pg${v}_initdb.pg_control"
  python3 -m json.tool "$TMP/control.json" >"$OUT/pg${v}_initdb.control.json"
  echo "PostgreSQL $v: $OUT/pg${v}_initdb.pg_control ($(stat -c %s "$OUT/pg${v}_initdb.pg_control") bytes)"
done
