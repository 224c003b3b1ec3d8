#!/usr/bin/env bash
# Benchmark: pgbench TPS and latency on a primary whose synchronous standby is
#   (a) `understudy standby`,
#   (b) a real PostgreSQL standby of the primary's version (a base backup + standby.signal,
#       hot_standby = on),
#   (c) `pg_receivewal --synchronous` (synchronous_commit = on only: it never reports an
#       apply position, so remote_apply would wait forever; PostgreSQL 15's pg_receivewal, so
#       only with a 14 or 15 primary: it refuses newer servers),
# with synchronous_commit = on and then remote_apply, plus the replay lag of understudy and of the
# real standby under the same load: the primary's pg_stat_replication.replay_lag sampled every
# 0.5 s for both, and understudy's own apply lag from its lag.jsonl.
#
# Only the standby being measured runs during its run (the others are stopped), each run starts
# right after a CHECKPOINT with the standby caught up, and the configurations alternate within
# each round so that slow phases of the shared machine spread over all of them.
# --version N (14..18, default 15): the primary and the real standby are PostgreSQL N
# (tools/pg_versions.sh's servers for N != 15; PostgreSQL 15's psql and pgbench are the clients);
# the real standby's base backup is pg_basebackup -X stream for 15, pg_backup_start/stop (14:
# pg_start_backup/pg_stop_backup) and a copy of the data directory for the others (it then
# streams its WAL from the backup's start; tools/lib/pg.sh's pg_base_backup). First
# `understudy replay` is asked to replay a little of the primary's WAL: a version it does not
# apply stops the script with its message (exit 2).
# Bounded: pgbench runs under timeout (SECONDS + 120), each catch-up wait gives up after 300 s;
# servers, standbys and temporary directories are removed at exit, also on failure (trap).
# Usage: tools/bench_standby.sh [--cpu] [--version N] [ROUNDS (default 2)] [SECONDS per run (default 20)]
#          [CLIENTS (4)] [SCALE (10)]
#
# --cpu: instead of TPS, what each standby costs per transaction under the same
# fixed load (understudy vs the real standby; synchronous_commit = remote_apply, then on), figures
# that do not depend on a quiet machine: CPU time (utime + stime from /proc/<pid>/stat; understudy:
# the whole process, all threads; the real standby: walreceiver + startup, and all of its
# processes), context switches (voluntary/nonvoluntary from /proc/<pid>/task/*/status), system
# calls (perf stat's raw_syscalls:sys_enter count over the whole run), each divided by the
# transactions pgbench committed. Then a second, shorter run per configuration under
# `strace -c -f` for which system calls they are (strace slows the standby: its counts per
# transaction are indicative, perf's are the measurement).
# CPU_RATE=N: pgbench -R N (see run_pgbench). TRACE=1: understudy traces each commit's path
# (UNDERSTUDY_TRACE_PATH, common/latency_trace.h) and its summary is printed; the strace runs are
# skipped then (they would slow the traced path).
set -euo pipefail
cd "$(dirname "$0")/.."
CPU_MODE=0
VERSION=15
USAGE="usage: tools/bench_standby.sh [--cpu] [--version N] [ROUNDS] [SECONDS] [CLIENTS] [SCALE]"
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) CPU_MODE=1; shift ;;
    --version) [ $# -ge 2 ] || { echo "--version needs a value: 14 to 18; $USAGE" >&2; exit 2; }
               VERSION="$2"; shift 2 ;;
    --version=*) VERSION="${1#--version=}"; shift ;;
    -*) echo "unknown option '$1'; $USAGE" >&2; exit 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
[ "${#ARGS[@]}" -le 4 ] || { echo "too many arguments: ${ARGS[*]}; $USAGE" >&2; exit 2; }
ROUNDS="${ARGS[0]:-2}"
DURATION="${ARGS[1]:-20}"
CLIENTS="${ARGS[2]:-4}"
SCALE="${ARGS[3]:-10}"
for pair in "ROUNDS:$ROUNDS" "SECONDS:$DURATION" "CLIENTS:$CLIENTS" "SCALE:$SCALE"; do
  [[ "${pair#*:}" =~ ^[1-9][0-9]*$ ]] || { echo "${pair%%:*} must be a positive integer, got '${pair#*:}'; $USAGE" >&2; exit 2; }
done
# The packages and the understudy binary (not the whole build: the tests are not needed here),
# and for another version its server.
tools/setup.sh --run
if [ "$VERSION" != 15 ]; then tools/pg_versions.sh; fi
BIN="${UNDERSTUDY_BIN:-$PWD/build/tools/understudy/understudy}"  # another build to compare: UNDERSTUDY_BIN=...
source tools/lib/pg.sh
pg_use_version "$VERSION"
now() { date +%s.%N; }

pg_tmpdir TMP /tmp/understudy-bench-standby-XXXXXX
PORT="$(free_port)"
RPORT="$(free_port)"
CONN="host=127.0.0.1 port=$PORT user=postgres"
BG_PID=""
SAMPLER_PID=""
stop_bg() { stop_child BG_PID; }
stop_sampler() { stop_child SAMPLER_PID TERM; }
pg_at_exit stop_sampler
pg_at_exit stop_bg
pg_track "$TMP/replica"

# ---- primary
pg_init_start "$TMP/data" "$PORT" "max_wal_senders = 6" "max_replication_slots = 6" "max_wal_size = 4GB" \
  "wal_keep_size = 4GB"
PSQL=("$PGCLIENT/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -AtqX)
understudy_check_version "$BIN" "$TMP/data" "$PORT" bench_standby
"$PGCLIENT/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -i -q -s "$SCALE" postgres >/dev/null 2>&1

# ---- the real standby: base backup now, started only for its own runs
pg_base_backup "$TMP/data" "$PORT" "$TMP/replica" -X stream
cat >>"$TMP/replica/postgresql.conf" <<CONF
port = $RPORT
unix_socket_directories = '$TMP'
hot_standby = on
primary_conninfo = '$CONN application_name=pgstandby'
CONF
as_pg touch "$TMP/replica/standby.signal"

# 15's pg_receivewal refuses a newer server (streamutil.c: server major above its own).
CONFIGS=(understudy pgstandby pg_receivewal)
if [ "$PG_MAJOR" -gt 15 ]; then
  CONFIGS=(understudy pgstandby)
  echo "PostgreSQL $PG_MAJOR: no pg_receivewal run (PostgreSQL 15's pg_receivewal refuses newer servers)"
fi
echo "machine: $(nproc) cores (shared), $(uname -r), $(df -T /tmp | awk 'NR==2{print $2}') under /tmp; PostgreSQL $("${PSQL[@]}" -c 'show server_version')"
echo "load: pgbench scale $SCALE, $CLIENTS clients, $DURATION s per run, $ROUNDS rounds"
echo "machine load before the runs: $(uptime)"
echo

# Starts the standby of configuration $1 ("understudy", "pgstandby", "pg_receivewal") for run $2.
start_standby() {
  local cfg="$1" run="$2"
  case "$cfg" in
    understudy)
      "$BIN" standby --primary "$CONN" --dir "$TMP/us_$run" --slot "bench_$run" --application-name understudy \
        --status-interval 0.5 >"$TMP/us_$run.log" 2>&1 &
      BG_PID=$! ;;
    pgstandby)
      pg_start --log "$TMP/replica.log" "$TMP/replica" ;;
    pg_receivewal)
      mkdir -p "$TMP/rw_$run"
      "$PGCLIENT/pg_receivewal" -d "$CONN application_name=pg_receivewal" -D "$TMP/rw_$run" --synchronous --no-loop -w \
        >"$TMP/rw_$run.log" 2>&1 &
      BG_PID=$! ;;
  esac
}
stop_standby() {
  local cfg="$1" run="$2"
  case "$cfg" in
    pgstandby) pg_stop "$TMP/replica" ;;
    *) stop_bg ;;
  esac
  if [ "$cfg" = understudy ]; then
    for _ in $(seq 100); do
      "${PSQL[@]}" -c "select pg_drop_replication_slot('bench_$run')" >/dev/null 2>&1 && break
      sleep 0.1
    done
    rm -rf "$TMP/us_$run"
  fi
  rm -rf "$TMP/rw_$run"
}

# Waits until the standby of application_name $1 is connected as sync and caught up (replay, or
# flush for pg_receivewal) with the primary's current position.
wait_caught_up() {
  local app="$1" col="replay_lsn"
  [ "$app" = pg_receivewal ] && col="flush_lsn"
  local target
  target="$("${PSQL[@]}" -c "select pg_current_wal_lsn()")"
  for _ in $(seq 3000); do
    [ "$("${PSQL[@]}" -c "select count(*) from pg_stat_replication where application_name = '$app'
        and sync_state = 'sync' and $col >= '$target'")" = 1 ] && return 0
    sleep 0.1
  done
  echo "standby $app did not catch up with $target in 300 s" >&2
  "${PSQL[@]}" -c "select * from pg_stat_replication" >&2
  return 1
}

# Samples the primary's view of standby $1 every 0.5 s into $2: unix time, write/flush/replay lag (s).
start_sampler() {
  local app="$1" out="$2"
  printf "select extract(epoch from clock_timestamp()), coalesce(extract(epoch from write_lag), -1),
    coalesce(extract(epoch from flush_lag), -1), coalesce(extract(epoch from replay_lag), -1)
    from pg_stat_replication where application_name = '%s';\n\\\\watch 0.5\n" "$app" |
    "$PGCLIENT/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -AtqX -F ' ' >"$out" 2>/dev/null &
  # shellcheck disable=SC2034  # SAMPLER_PID is read by stop_child through its name
  SAMPLER_PID=$!
}

RESULTS="$TMP/results.txt"
: >"$RESULTS"
run_one() {  # config, synchronous_commit, round
  local cfg="$1" mode="$2" round="$3" tag="${1}_${2}_$3"
  # The checkpoint first: a fresh understudy starts at the latest checkpoint's redo point.
  "${PSQL[@]}" -c "checkpoint" >/dev/null
  start_standby "$cfg" "$tag"
  "${PSQL[@]}" -c "alter system set synchronous_standby_names = '$cfg'" -c "select pg_reload_conf()" >/dev/null
  wait_caught_up "$cfg"
  start_sampler "$cfg" "$TMP/samples_$tag.txt"
  local t0 t1
  t0="$(now)"
  PGOPTIONS="-c synchronous_commit=$mode" timeout $((DURATION + 120)) "$PGCLIENT/pgbench" -h 127.0.0.1 -p "$PORT" \
    -U postgres -n -T "$DURATION" -c "$CLIENTS" -j 2 -l --log-prefix="$TMP/pgl_$tag" postgres \
    >"$TMP/pgbench_$tag.txt" 2>&1 &
  local pgbench_pid=$!
  # A synchronous standby that dies leaves every commit waiting: stop at once and say why.
  while kill -0 "$pgbench_pid" 2>/dev/null; do
    if [ -n "$BG_PID" ] && ! kill -0 "$BG_PID" 2>/dev/null; then
      kill "$pgbench_pid" 2>/dev/null || true
      echo "the $cfg standby exited during the $mode run of round $round; its log:" >&2
      cat "$TMP/us_$tag.log" "$TMP/rw_$tag.log" 2>/dev/null >&2
      exit 1
    fi
    sleep 0.5
  done
  wait "$pgbench_pid" || { cat "$TMP/pgbench_$tag.txt"; exit 1; }
  t1="$(now)"
  stop_sampler
  local tps lat us_json="{}"
  tps="$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' "$TMP/pgbench_$tag.txt")"
  lat="$(sed -nE 's/^latency average = ([0-9.]+) ms/\1/p' "$TMP/pgbench_$tag.txt")"
  if [ "$cfg" = understudy ]; then
    us_json="$("$BIN" lag --dir "$TMP/us_$tag" --summary --json --from "$t0" --to "$t1" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["lag"]))')"
  fi
  python3 - "$cfg" "$mode" "$round" "$tps" "$lat" "$TMP/samples_$tag.txt" "$t0" "$t1" "$us_json" "$TMP" "pgl_$tag" >>"$RESULTS" <<'PY'
import glob, json, os, sys
cfg, mode, rnd, tps, lat, samples, t0, t1, us, tmp, prefix = sys.argv[1:]
t0, t1 = float(t0), float(t1)
lats = []
for f in glob.glob(os.path.join(tmp, prefix + ".*")):
    for line in open(f):
        parts = line.split()
        if len(parts) >= 3:
            lats.append(int(parts[2]) / 1000.0)
lats.sort()
def pct(v, p):
    if not v:
        return None
    import math
    return v[max(1, math.ceil(p / 100 * len(v))) - 1]
rows = []
for line in open(samples):
    parts = line.split()
    if len(parts) != 4:
        continue
    t = float(parts[0])
    if t0 <= t <= t1:
        rows.append([max(float(x), 0.0) if float(x) >= 0 else None for x in parts[1:]])
replay = sorted(r[2] if r[2] is not None else 0.0 for r in rows)
nulls = sum(1 for r in rows if r[2] is None)
print(json.dumps({"cfg": cfg, "mode": mode, "round": int(rnd), "tps": float(tps), "lat_avg_ms": float(lat),
                  "lat_p50_ms": pct(lats, 50), "lat_p99_ms": pct(lats, 99), "txns": len(lats),
                  "primary_replay_lag": {"samples": len(replay), "null": nulls, "p50": pct(replay, 50),
                                         "p90": pct(replay, 90), "p99": pct(replay, 99),
                                         "max": replay[-1] if replay else None},
                  "understudy_lag": json.loads(us)}))
PY
  printf '%-14s %-13s round %d: tps %8.1f  latency avg %6.2f ms\n' "$cfg" "$mode" "$round" "$tps" "$lat"
  rm -f "$TMP"/pgl_"$tag".*
  stop_standby "$cfg" "$tag"
}

# ---- --cpu: cost per transaction of each standby under a fixed load
# Prints a JSON object: for each "label=pid[,pid...]" argument, the CPU ticks (utime + stime of the
# processes, all threads, clock ticks), the context switches summed over their threads, and per
# thread: name, ticks, switches.
proc_snapshot() {
  python3 - "$@" <<'PY'
import glob, json, os, sys
def stat_ticks(path):
    with open(path) as f:
        s = f.read()
    rest = s[s.rindex(")") + 2:].split()
    return int(rest[11]) + int(rest[12])  # utime, stime (fields 14, 15)
def switches(path):
    v = n = 0
    with open(path) as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                v = int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                n = int(line.split()[1])
    return v, n
out = {}
for arg in sys.argv[1:]:
    label, pids = arg.split("=", 1)
    g = {"ticks": 0, "vcs": 0, "nvcs": 0, "threads": {}}
    for pid in filter(None, pids.split(",")):
        try:
            g["ticks"] += stat_ticks(f"/proc/{pid}/stat")
            for t in glob.glob(f"/proc/{pid}/task/*"):
                tid = os.path.basename(t)
                v, n = switches(t + "/status")
                comm = open(t + "/comm").read().strip()
                g["vcs"] += v
                g["nvcs"] += n
                g["threads"][f"{pid}/{tid}"] = {"comm": comm, "ticks": stat_ticks(t + "/stat"), "vcs": v, "nvcs": n}
        except FileNotFoundError:
            pass
    out[label] = g
print(json.dumps(out))
PY
}

# The processes measured for configuration $1: "label=pids" arguments for proc_snapshot.
measured_groups() {
  local cfg="$1" ws
  ws="$("${PSQL[@]}" -c "select pid from pg_stat_replication where application_name = '$cfg'")"
  case "$cfg" in
    understudy) echo "standby=$BG_PID primary_walsender=$ws" ;;
    pgstandby)
      local pm kids rcv startup
      pm="$(head -1 "$TMP/replica/postmaster.pid")"
      kids="$(ps -o pid= --ppid "$pm" | tr -d ' ' | paste -sd, -)"
      rcv="$(ps -o pid=,args= --ppid "$pm" | awk '/walreceiver/{print $1}')"
      startup="$(ps -o pid=,args= --ppid "$pm" | awk '/startup/{print $1}')"
      echo "standby=$rcv,$startup standby_all=$pm,$kids primary_walsender=$ws" ;;
  esac
}

CPU_RESULTS="$TMP/cpu_results.txt"
: >"$CPU_RESULTS"
# pgbench for $DURATION s with synchronous_commit $1, output to $2; prints nothing.
# CPU_RATE=N: pgbench -R N (a fixed rate: both standbys then see the same stream of commits, so
# their costs per transaction compare even when the machine is busy; unthrottled, a faster run
# batches more commits per message and costs less per transaction).
run_pgbench() {
  local rate=()
  [ -n "${CPU_RATE:-}" ] && rate=(-R "$CPU_RATE")
  PGOPTIONS="-c synchronous_commit=$1" timeout $((DURATION + 120)) "$PGCLIENT/pgbench" -h 127.0.0.1 -p "$PORT" \
    -U postgres -n -T "$3" -c "$CLIENTS" -j 2 "${rate[@]}" postgres >"$2" 2>&1
}
txns_of() { sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$1"; }
run_cpu() {  # config, synchronous_commit, round
  local cfg="$1" mode="$2" round="$3" tag="cpu_${1}_${2}_$3"
  "${PSQL[@]}" -c "checkpoint" >/dev/null
  start_standby "$cfg" "$tag"
  "${PSQL[@]}" -c "alter system set synchronous_standby_names = '$cfg'" -c "select pg_reload_conf()" >/dev/null
  wait_caught_up "$cfg"
  local groups; groups="$(measured_groups "$cfg")"
  [ "$cfg" = understudy ] && [ "${TRACE:-0}" = 1 ] && STRACE_SECONDS=0
  # perf stat per group (tracepoint counting: no measurable slowdown).
  local perf_pids=() g
  for g in $groups; do
    perf stat -x, -e raw_syscalls:sys_enter,context-switches -p "${g#*=}" -o "$TMP/perf_${tag}_${g%%=*}.txt" &
    perf_pids+=("$!")
  done
  sleep 0.5
  proc_snapshot $groups >"$TMP/before_$tag.json"
  run_pgbench "$mode" "$TMP/pgbench_$tag.txt" "$DURATION" || { cat "$TMP/pgbench_$tag.txt"; exit 1; }
  proc_snapshot $groups >"$TMP/after_$tag.json"
  local p; for p in "${perf_pids[@]}"; do kill -INT "$p"; wait "$p" 2>/dev/null || true; done
  # Which system calls: a shorter run under strace -c -f (slows the standby down).
  local strace_pids=() spids
  for g in $groups; do
    [ "$STRACE_SECONDS" -gt 0 ] || break
    [ "${g%%=*}" = standby_all ] && continue
    spids="$(echo "${g#*=}" | tr ',' '\n' | sed 's/^/-p /' | paste -sd' ' -)"
    # shellcheck disable=SC2086
    strace -c -f -o "$TMP/strace_${tag}_${g%%=*}.txt" $spids 2>/dev/null &
    strace_pids+=("$!")
  done
  if [ "$STRACE_SECONDS" -gt 0 ]; then
    sleep 1
    run_pgbench "$mode" "$TMP/pgbench_strace_$tag.txt" "$STRACE_SECONDS" || { cat "$TMP/pgbench_strace_$tag.txt"; exit 1; }
  else
    echo "number of transactions actually processed: 0" >"$TMP/pgbench_strace_$tag.txt"
  fi
  for p in "${strace_pids[@]}"; do kill -INT "$p"; wait "$p" 2>/dev/null || true; done
  python3 - "$cfg" "$mode" "$round" "$(txns_of "$TMP/pgbench_$tag.txt")" "$(txns_of "$TMP/pgbench_strace_$tag.txt")" \
    "$TMP" "$tag" "$(getconf CLK_TCK)" >>"$CPU_RESULTS" <<'PY'
import glob, json, os, re, sys
cfg, mode, rnd, txns, strace_txns, tmp, tag, hz = sys.argv[1:]
txns, strace_txns, hz = int(txns), int(strace_txns), int(hz)
before = json.load(open(os.path.join(tmp, f"before_{tag}.json")))
after = json.load(open(os.path.join(tmp, f"after_{tag}.json")))
row = {"cfg": cfg, "mode": mode, "round": int(rnd), "txns": txns, "strace_txns": strace_txns, "groups": {}}
for label, a in after.items():
    b = before[label]
    g = {"cpu_us_per_txn": (a["ticks"] - b["ticks"]) * 1e6 / hz / txns,
         "vcs_per_txn": (a["vcs"] - b["vcs"]) / txns, "nvcs_per_txn": (a["nvcs"] - b["nvcs"]) / txns,
         "threads": {}}
    for tid, t in a["threads"].items():
        bt = b["threads"].get(tid, {"ticks": 0, "vcs": 0, "nvcs": 0})
        g["threads"][tid] = {"comm": t["comm"], "cpu_us_per_txn": (t["ticks"] - bt["ticks"]) * 1e6 / hz / txns,
                             "cs_per_txn": (t["vcs"] - bt["vcs"] + t["nvcs"] - bt["nvcs"]) / txns}
    perf = os.path.join(tmp, f"perf_{tag}_{label}.txt")
    if os.path.exists(perf):
        for line in open(perf):
            parts = line.strip().split(",")
            if len(parts) > 2 and parts[0].replace(".", "").isdigit():
                key = "syscalls_per_txn" if parts[2].startswith("raw_syscalls") else "perf_cs_per_txn"
                g[key] = float(parts[0]) / txns
    st = os.path.join(tmp, f"strace_{tag}_{label}.txt")
    if os.path.exists(st) and strace_txns:
        calls = {}
        for line in open(st):
            m = re.match(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?(\w+)\s*$", line)
            if m and m.group(3) != "total":
                calls[m.group(3)] = int(m.group(1)) / strace_txns
        g["strace_per_txn"] = dict(sorted(calls.items(), key=lambda kv: -kv[1]))
    row["groups"][label] = g
print(json.dumps(row))
PY
  printf '%-11s %-13s round %d: %d transactions, pgbench %s\n' "$cfg" "$mode" "$round" \
    "$(txns_of "$TMP/pgbench_$tag.txt")" "$(grep -E '^latency average' "$TMP/pgbench_$tag.txt")"
  stop_standby "$cfg" "$tag"
  STRACE_SECONDS="$STRACE_DEFAULT"
  if [ "$cfg" = understudy ] && [ "${TRACE:-0}" = 1 ]; then
    sed -n '/commit path trace/,/received -> reply sent/p' "$TMP/us_$tag.log" | sed 's/^[^c ]*commit/  commit/'
  fi
}

if [ "$CPU_MODE" = 1 ]; then
  STRACE_SECONDS="${STRACE_SECONDS:-8}"
  STRACE_DEFAULT="$STRACE_SECONDS"
  [ "${TRACE:-0}" = 1 ] && export UNDERSTUDY_TRACE_PATH="$TMP/trace.csv"
  echo "cost per transaction (--cpu${CPU_RATE:+, pgbench -R $CPU_RATE}): $(uptime)"
  for r in $(seq "$ROUNDS"); do
    for mode in remote_apply on; do
      for cfg in understudy pgstandby; do run_cpu "$cfg" "$mode" "$r"; done
    done
  done
  "${PSQL[@]}" -c "alter system reset synchronous_standby_names" -c "select pg_reload_conf()" >/dev/null
  python3 - "$CPU_RESULTS" "$PG_MAJOR" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
names = {"understudy": "understudy", "pgstandby": f"PG{sys.argv[2]} standby"}
def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else float("nan")
print()
print(f"per committed transaction, median over {max(r['round'] for r in rows)} rounds "
      f"(standby: understudy = whole process; PG{sys.argv[2]} = walreceiver + startup; PG{sys.argv[2]} all = every standby process)")
print(f"{'sync_commit':<13} {'process':<30} {'CPU us':>8} {'syscalls':>9} {'vol cs':>7} {'invol cs':>8}")
for mode in ("remote_apply", "on"):
    for cfg in ("understudy", "pgstandby"):
        rs = [r for r in rows if r["cfg"] == cfg and r["mode"] == mode]
        if not rs:
            continue
        for label in ("standby", "standby_all", "primary_walsender"):
            gs = [r["groups"][label] for r in rs if label in r["groups"]]
            if not gs:
                continue
            what = names[cfg] + {"standby": "", "standby_all": " all", "primary_walsender": ": walsender"}[label]
            print(f"{mode:<13} {what:<30} {med(g['cpu_us_per_txn'] for g in gs):8.1f} "
                  f"{med(g.get('syscalls_per_txn') for g in gs):9.2f} {med(g['vcs_per_txn'] for g in gs):7.2f} "
                  f"{med(g['nvcs_per_txn'] for g in gs):8.2f}")
print()
print("system calls per transaction under strace -c -f (last round; strace slows the traced processes):")
for mode in ("remote_apply", "on"):
    for cfg in ("understudy", "pgstandby"):
        rs = [r for r in rows if r["cfg"] == cfg and r["mode"] == mode]
        if not rs:
            continue
        for label, g in rs[-1]["groups"].items():
            if "strace_per_txn" in g:
                calls = " ".join(f"{k} {v:.2f}" for k, v in list(g["strace_per_txn"].items())[:10])
                print(f"  {mode} {names[cfg]} {label}: {calls}")
print()
print("per thread/process, CPU us and context switches per transaction (last round):")
for r in rows:
    if r["round"] != max(x["round"] for x in rows):
        continue
    for label, g in r["groups"].items():
        if label == "standby_all":
            continue
        ts = " | ".join(f"{t['comm']} {t['cpu_us_per_txn']:.1f} us {t['cs_per_txn']:.2f} cs" for t in g["threads"].values()
                        if t["cpu_us_per_txn"] > 0 or t["cs_per_txn"] > 0.01)
        print(f"  {r['mode']} {names[r['cfg']]} {label}: {ts}")
print()
print("raw rows (one per run):")
for r in rows:
    print(json.dumps(r))
PY
  exit 0
fi

for r in $(seq "$ROUNDS"); do
  for mode in on remote_apply; do
    for cfg in "${CONFIGS[@]}"; do
      [ "$cfg" = pg_receivewal ] && [ "$mode" = remote_apply ] && continue
      run_one "$cfg" "$mode" "$r"
    done
  done
done
"${PSQL[@]}" -c "alter system reset synchronous_standby_names" -c "select pg_reload_conf()" >/dev/null
echo "machine load after the runs: $(uptime)"

python3 - "$RESULTS" "$PG_MAJOR" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
major = sys.argv[2]
def med(cfg, mode, key, sub=None):
    vals = [(r[key][sub] if sub else r[key]) for r in rows if r["cfg"] == cfg and r["mode"] == mode]
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else float("nan")
names = {"understudy": "understudy standby", "pgstandby": f"PG{major} standby", "pg_receivewal": "pg_receivewal --sync"}
print()
print(f"median over {max(r['round'] for r in rows)} rounds; latency in ms; ratio = this / PG{major} standby (tps: higher is better, latency: lower)")
print(f"{'synchronous_commit':<19} {'standby':<21} {'tps':>8} {'lat avg':>8} {'lat p50':>8} {'lat p99':>8} {'tps ratio':>10} {'lat ratio':>10}")
for mode in ("on", "remote_apply"):
    base_tps, base_lat = med("pgstandby", mode, "tps"), med("pgstandby", mode, "lat_avg_ms")
    for cfg in ("understudy", "pgstandby", "pg_receivewal"):
        if not any(r["cfg"] == cfg and r["mode"] == mode for r in rows):
            continue
        tps, lat = med(cfg, mode, "tps"), med(cfg, mode, "lat_avg_ms")
        print(f"{mode:<19} {names[cfg]:<21} {tps:8.1f} {lat:8.2f} {med(cfg, mode, 'lat_p50_ms'):8.2f} "
              f"{med(cfg, mode, 'lat_p99_ms'):8.2f} {tps / base_tps:10.2f} {lat / base_lat:10.2f}")
print()
print("replay lag under that load, seconds (nearest-rank percentiles per run, median over rounds; samples = all rounds):")
print(f"{'synchronous_commit':<19} {'source':<48} {'samples':>7} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}")
import math
def pct(v, p):
    return v[max(1, math.ceil(p / 100 * len(v))) - 1] if v else float("nan")
for mode in ("on", "remote_apply"):
    for cfg in ("understudy", "pgstandby"):
        rs = [r for r in rows if r["cfg"] == cfg and r["mode"] == mode]
        if not rs:
            continue
        n = sum(r["primary_replay_lag"]["samples"] for r in rs)
        vals = {k: statistics.median(r["primary_replay_lag"][k] for r in rs if r["primary_replay_lag"][k] is not None)
                if any(r["primary_replay_lag"][k] is not None for r in rs) else float("nan") for k in ("p50", "p90", "p99", "max")}
        print(f"{mode:<19} {names[cfg] + ': primary replay_lag':<48} {n:7d} {vals['p50']:8.4f} {vals['p90']:8.4f} {vals['p99']:8.4f} {vals['max']:8.4f}")
        if cfg == "understudy":
            ul = [r["understudy_lag"]["apply_seconds"] for r in rs if r["understudy_lag"]]
            if ul:
                v = {k: statistics.median(u[k] for u in ul) for k in ("p50", "p90", "p99", "max")}
                print(f"{mode:<19} {'understudy standby: own apply_seconds (lag.jsonl)':<48} {'':>7} {v['p50']:8.4f} {v['p90']:8.4f} {v['p99']:8.4f} {v['max']:8.4f}")
print()
print("raw rows (one per run):")
for r in rows:
    print(json.dumps(r))
PY
