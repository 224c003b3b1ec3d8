# shellcheck shell=bash
# Sourced by the tools/*.sh scripts that start a throwaway local PostgreSQL 15 server (as the
# postgres user when run as root, 127.0.0.1, a free port, a temporary directory):
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"
#
#   PGBIN                          the server binaries (UNDERSTUDY_PG_BINDIR, else pg_config --bindir)
#   as_pg CMD...                   runs CMD as the postgres user when root, else as is
#   free_port                      prints a free TCP port on 127.0.0.1
#   pg_tmpdir VAR TEMPLATE         mktemp -d TEMPLATE into $VAR, owned by postgres, removed at exit
#   pg_own DIR                     makes DIR usable by the server (mode 755, owner postgres when root)
#   pg_remove_at_exit DIR          removes DIR at exit
#   pg_init_start [--log FILE] [--initdb ARG]... DIR PORT [SETTING]...
#                                  initdb DIR (trust, UTF8, C locale, no sync; output in
#                                  <parent>/initdb.log, shown if it fails), appends listen_addresses,
#                                  port, unix_socket_directories (DIR's parent) and each SETTING
#                                  line ("name = value") to its postgresql.conf, then pg_start
#   pg_start [--log FILE] DIR      pg_ctl start -w of an existing data directory (the log, default
#                                  <parent>/server.log, is shown if it fails); stopped at exit
#   pg_track DIR                   stops the server of DIR at exit (if its postmaster.pid exists)
#   pg_stop DIR [fast|immediate]   pg_ctl stop -w (default fast)
#   pg_at_exit CMD                 runs CMD at exit, before the servers are stopped
#   stop_child VAR [SIGNAL]        if the process whose pid is in $VAR still runs, sends it SIGNAL
#                                  (default INT) and waits for it; empties VAR
#
# Other major versions (the servers of tools/pg_versions.sh have no client programs):
#   PGCLIENT                       PostgreSQL 15's client programs (psql, pgbench, pg_basebackup,
#                                  pg_receivewal): 15's psql and pgbench talk to 14 to 18, its
#                                  pg_basebackup and pg_receivewal to 15 and older only
#   PG_MAJOR                       the major version of PGBIN's server (15 unless pg_use_version)
#   pg_use_version N               PGBIN := PostgreSQL N's server binaries (14..18): 15 as above,
#                                  others $UNDERSTUDY_PG_VERSIONS_DIR (else /tmp/understudy-pgversions)
#                                  /N/bin; fails naming tools/pg_versions.sh when they are missing
#   pg_base_backup DATADIR PORT DEST [PG_BASEBACKUP_ARG]...
#                                  base backup of the running server of DATADIR (PGBIN's version,
#                                  on PORT) into DEST, owned by postgres, without WAL: for 15
#                                  pg_basebackup -c fast --no-sync and the given arguments (default
#                                  -X none); for other versions (15's pg_basebackup refuses newer
#                                  servers) the low-level API in one psql session, non-exclusive
#                                  (14: pg_start_backup / pg_stop_backup; 15+: pg_backup_start /
#                                  pg_backup_stop), the directory copied in between as
#                                  pg_basebackup copies it (tools/lib/base_backup.py), then the
#                                  backup_label and tablespace_map the stop function returned
#   understudy_check_version BIN DATADIR PORT WHAT
#                                  asks `BIN replay` whether it applies the WAL of the running
#                                  server of DATADIR: a CHECKPOINT, then its WAL from that redo
#                                  point replayed into an empty directory; when understudy refuses
#                                  (it names the versions it applies), prints "WHAT: ..." with its
#                                  message and exits 2
#
# At exit (normal, on a failed step under set -e, or on SIGTERM / SIGINT) the commands of
# pg_at_exit run, every tracked server still running is stopped with -m immediate, and the
# directories of pg_tmpdir / pg_remove_at_exit are removed; the script's exit status is kept.

PGBIN="${UNDERSTUDY_PG_BINDIR:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}"
[ -x "$PGBIN/initdb" ] || PGBIN=/usr/lib/postgresql/15/bin

PGCLIENT="$PGBIN"
PG_MAJOR=15
PG_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

PG_LIB_AT_EXIT=()
PG_LIB_SERVERS=()
PG_LIB_REMOVE=()

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pg_own() {
  chmod 755 "$1"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$1"; fi
}

pg_remove_at_exit() { PG_LIB_REMOVE+=("$1"); }

pg_tmpdir() {
  local dir
  dir="$(mktemp -d "$2")"
  pg_remove_at_exit "$dir"
  pg_own "$dir"
  printf -v "$1" '%s' "$dir"
}

pg_track() {
  local d
  for d in "${PG_LIB_SERVERS[@]}"; do [ "$d" = "$1" ] && return 0; done
  PG_LIB_SERVERS+=("$1")
}

pg_at_exit() { PG_LIB_AT_EXIT+=("$1"); }

stop_child() {
  local pid="${!1:-}"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -"${2:-INT}" "$pid"; wait "$pid" 2>/dev/null || true; fi
  printf -v "$1" '%s' ""
}

pg_start() {
  local log=""
  if [ "${1:-}" = --log ]; then log="$2"; shift 2; fi
  local dir="$1"
  [ -n "$log" ] || log="$(dirname "$dir")/server.log"
  pg_track "$dir"
  as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$log" -w -t 60 start >/dev/null ||
    { echo "pg_ctl start of $dir failed; its log ($log):" >&2; tail -n 30 "$log" >&2; return 1; }
}

pg_init_start() {
  local start_args=() initdb_args=()
  while :; do
    case "${1:-}" in
      --log) start_args=(--log "$2"); shift 2 ;;
      --initdb) initdb_args+=("$2"); shift 2 ;;
      *) break ;;
    esac
  done
  local dir="$1" port="$2"
  shift 2
  local parent
  parent="$(dirname "$dir")"
  as_pg "$PGBIN/initdb" -D "$dir" -U postgres --auth=trust --no-sync --no-instructions -E UTF8 --locale=C \
    "${initdb_args[@]}" >"$parent/initdb.log" 2>&1 ||
    { echo "initdb of $dir failed:" >&2; cat "$parent/initdb.log" >&2; return 1; }
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$parent'"
    local setting
    for setting in "$@"; do echo "$setting"; done
  } >>"$dir/postgresql.conf"
  pg_start "${start_args[@]}" "$dir"
}

pg_stop() {
  as_pg "$PGBIN/pg_ctl" -D "$1" -m "${2:-fast}" -w -t 120 stop >/dev/null
}

pg_use_version() {
  case "$1" in 14|15|16|17|18) ;; *) echo "PostgreSQL $1: the versions are 14, 15, 16, 17 and 18" >&2; return 2 ;; esac
  PG_MAJOR="$1"
  if [ "$1" = 15 ]; then PGBIN="$PGCLIENT"; return 0; fi
  PGBIN="${UNDERSTUDY_PG_VERSIONS_DIR:-/tmp/understudy-pgversions}/$1/bin"
  local tool
  for tool in initdb pg_ctl postgres; do
    [ -x "$PGBIN/$tool" ] || { echo "PostgreSQL $1's $tool is not in $PGBIN: run tools/pg_versions.sh" >&2; return 1; }
  done
}

pg_base_backup() {
  local data="$1" port="$2" dest="$3"
  shift 3
  if [ "$PG_MAJOR" = 15 ]; then
    [ $# -gt 0 ] || set -- -X none
    as_pg "$PGCLIENT/pg_basebackup" -h 127.0.0.1 -p "$port" -U postgres -D "$dest" -c fast --no-sync "$@" >/dev/null
    return
  fi
  local start="select pg_backup_start('understudy bench', true)" stop="pg_backup_stop(false)"
  if [ "$PG_MAJOR" = 14 ]; then
    start="select pg_start_backup('understudy bench', true, false)"
    stop="pg_stop_backup(false, false)"
  fi
  local result="$dest.stop"
  pg_remove_at_exit "$result"
  # One session: a non-exclusive backup ends with the session that started it.
  as_pg "$PGCLIENT/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres >/dev/null <<SQL
set client_min_messages = warning;
$start;
\! python3 '$PG_LIB_DIR/base_backup.py' copy '$data' '$dest'
select labelfile, spcmapfile from $stop \g (format=unaligned tuples_only=on fieldsep_zero=on) '$result'
SQL
  [ -f "$dest/PG_VERSION" ] || { echo "pg_base_backup: copying $data into $dest failed" >&2; return 1; }
  as_pg python3 "$PG_LIB_DIR/base_backup.py" label "$result" "$dest"
}

understudy_check_version() {
  local bin="$1" data="$2" port="$3" what="$4" probe redo end f
  probe="$(mktemp -d /tmp/understudy-version-probe-XXXXXX)"
  pg_remove_at_exit "$probe"
  local psql=("$PGCLIENT/psql" -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d postgres)
  redo="$("${psql[@]}" -c "checkpoint" -c "select redo_lsn from pg_control_checkpoint()")"
  end="$("${psql[@]}" -c "select pg_current_wal_insert_lsn()")"
  mkdir -p "$probe/wal"
  for f in "$data"/pg_wal/*; do
    if [[ "$(basename "$f")" =~ ^[0-9A-F]{24}$ ]]; then cp "$f" "$probe/wal/"; fi
  done
  if ! "$bin" replay --wal-dir "$probe/wal" --data-dir "$probe/data" --start "$redo" --end "$end" \
      >"$probe/out" 2>&1; then
    echo "$what: $bin does not replay the WAL of this PostgreSQL $PG_MAJOR server:" >&2
    { grep 'error' "$probe/out" || cat "$probe/out"; } | sed 's/^/  /' >&2
    exit 2
  fi
}

pg_lib_cleanup() {
  set +e
  local cmd d
  for cmd in "${PG_LIB_AT_EXIT[@]}"; do eval "$cmd"; done
  for d in "${PG_LIB_SERVERS[@]}"; do
    [ -f "$d/postmaster.pid" ] && pg_stop "$d" immediate >/dev/null 2>&1
  done
  for d in "${PG_LIB_REMOVE[@]}"; do rm -rf "$d"; done
}
trap pg_lib_cleanup EXIT
