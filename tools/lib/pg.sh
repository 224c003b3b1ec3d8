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
# At exit (normal, on a failed step under set -e, or on SIGTERM / SIGINT) the commands of
# pg_at_exit run, every tracked server still running is stopped with -m immediate, and the
# directories of pg_tmpdir / pg_remove_at_exit are removed; the script's exit status is kept.

PGBIN="${UNDERSTUDY_PG_BINDIR:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}"
[ -x "$PGBIN/initdb" ] || PGBIN=/usr/lib/postgresql/15/bin

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
