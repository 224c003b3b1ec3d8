#!/usr/bin/env bash
# Benchmark: pgbench TPS and latency on a primary whose synchronous standby is
#   (a) `understudy standby`,
#   (b) a real PostgreSQL 15 standby (pg_basebackup + standby.signal, hot_standby = on),
#   (c) `pg_receivewal --synchronous` (synchronous_commit = on only: it never reports an
#       apply position, so remote_apply would wait forever),
# with synchronous_commit = on and then remote_apply, plus the replay lag of understudy and of the
# real standby under the same load: the primary's pg_stat_replication.replay_lag sampled every
# 0.5 s for both, and understudy's own apply lag from its lag.jsonl.
#
# Only the standby being measured runs during its run (the others are stopped), each run starts
# right after a CHECKPOINT with the standby caught up, and the configurations alternate within
# each round so that slow phases of the shared machine spread over all of them.
# Usage: tools/bench_standby.sh [ROUNDS (default 2)] [SECONDS per run (default 20)] [CLIENTS (4)] [SCALE (10)]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-2}"
DURATION="${2:-20}"
CLIENTS="${3:-4}"
SCALE="${4:-10}"
tools/setup.sh
BIN="${UNDERSTUDY_BIN:-$PWD/build/tools/understudy/understudy}"  # another build to compare: UNDERSTUDY_BIN=...
source tools/lib/pg.sh
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
PSQL=("$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -AtqX)
"$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -i -q -s "$SCALE" postgres >/dev/null 2>&1

# ---- the real standby: base backup now, started only for its own runs
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PORT" -U postgres -D "$TMP/replica" -X stream -c fast >/dev/null
cat >>"$TMP/replica/postgresql.conf" <<CONF
port = $RPORT
unix_socket_directories = '$TMP'
hot_standby = on
primary_conninfo = '$CONN application_name=pgstandby'
CONF
as_pg touch "$TMP/replica/standby.signal"

echo "machine: $(nproc) cores (shared), $(uname -r), $(df -T /tmp | awk 'NR==2{print $2}') under /tmp; PostgreSQL $("${PSQL[@]}" -c 'show server_version')"
echo "load: pgbench scale $SCALE, $CLIENTS clients, $DURATION s per run, $ROUNDS rounds"
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
      "$PGBIN/pg_receivewal" -d "$CONN application_name=pg_receivewal" -D "$TMP/rw_$run" --synchronous --no-loop -w \
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
    "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -AtqX -F ' ' >"$out" 2>/dev/null &
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
  PGOPTIONS="-c synchronous_commit=$mode" timeout $((DURATION + 120)) "$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" \
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

for r in $(seq "$ROUNDS"); do
  for mode in on remote_apply; do
    for cfg in understudy pgstandby pg_receivewal; do
      [ "$cfg" = pg_receivewal ] && [ "$mode" = remote_apply ] && continue
      run_one "$cfg" "$mode" "$r"
    done
  done
done
"${PSQL[@]}" -c "alter system reset synchronous_standby_names" -c "select pg_reload_conf()" >/dev/null

python3 - "$RESULTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(cfg, mode, key, sub=None):
    vals = [(r[key][sub] if sub else r[key]) for r in rows if r["cfg"] == cfg and r["mode"] == mode]
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else float("nan")
names = {"understudy": "understudy standby", "pgstandby": "PG15 standby", "pg_receivewal": "pg_receivewal --sync"}
print()
print(f"median over {max(r['round'] for r in rows)} rounds; latency in ms; ratio = this / PG15 standby (tps: higher is better, latency: lower)")
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
