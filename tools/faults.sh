#!/usr/bin/env bash
# Runs the fault matrix (issue #15) N times and prints a table with counts: every test of the
# meson suite 'faults' (tests/faults; the promotion of a cascaded upstream under load is
# fault_cascade_promote) plus the timeline switch with a kill -9 on the new timeline
# (tests/integration/standby_timeline_test.cpp), each run on its own, one after another.
#
#   tools/faults.sh [-n RUNS] [-k KILLS] [-s] [TEST...]
#     -n RUNS   runs of each test (default 1)
#     -k KILLS  kill -9s in fault_process_kill9 (UNDERSTUDY_FAULT_KILLS, default 100)
#     -s        skip tools/setup.sh (packages and a full build) when build/ is already set up
#     TEST      meson test names to run (default: the whole matrix)
#
# Columns: runs, passed, skipped; then, summed over the runs from the figures each test prints
# (lines "FAULT-FIGURES fault=NAME key=value ..."): segments differing from the primary's pg_wal
# (a lost or duplicated byte shows as one), page images mismatched, acknowledged commits missing
# from our pg_xact, reconnects, and the time to recover (median and max over the runs' values).
# A test that prints no figures shows "-" there. Logs: build/meson-logs/faults/.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=1
kills=100
setup=1
while getopts "n:k:sh" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    k) kills=$OPTARG ;;
    s) setup=0 ;;
    *) sed -n '2,19p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "faults.sh: -n wants a positive count, got '$runs'" >&2; exit 2; }
[[ $kills =~ ^[1-9][0-9]*$ ]] || { echo "faults.sh: -k wants a positive count, got '$kills'" >&2; exit 2; }

if ((setup)); then tools/setup.sh || exit 1; fi
[ -d build ] || meson setup build >/dev/null || exit 1

export UNDERSTUDY_TEST_RUN="faults$$"
export UNDERSTUDY_FAULT_KILLS=$kills

if (($#)); then
  tests=("$@")
else
  mapfile -t tests < <(meson test -C build --no-rebuild --list --suite faults 2>/dev/null | sed 's/.* \/ //')
  tests+=(standby_timeline)
fi
((${#tests[@]})) || { echo "faults.sh: no tests in suite 'faults' (is tests/faults in the build?)" >&2; exit 1; }
# Only what the matrix runs: the understudy binary and one test binary per test.
targets=(tools/understudy/understudy)
for t in "${tests[@]}"; do targets+=("tests/it_$t"); done
ninja -C build -j2 "${targets[@]}" >/dev/null ||
  { echo "faults.sh: the build failed: run ninja -C build ${targets[*]}" >&2; exit 1; }

logdir=build/meson-logs/faults
mkdir -p "$logdir"
results=$logdir/results.jsonl
: > "$results"
for ((i = 1; i <= runs; i++)); do
  for t in "${tests[@]}"; do
    start=$(date +%s.%N)
    # The kill test's time grows with -k (about 4 s a kill here): its timeout with it.
    mult=1
    [ "$t" = fault_process_kill9 ] && mult=$(((kills + 39) / 40))
    meson test -C build --no-rebuild --num-processes 1 --timeout-multiplier "$mult" --logbase "faults-$t-$i" "$t" \
      > "$logdir/$t-$i.out" 2>&1
    rc=$?
    end=$(date +%s.%N)
    # meson test exits 0 for a skip as well; the JSON log says which.
    python3 - "$results" "build/meson-logs/faults-$t-$i.json" "$t" "$i" "$rc" "$start" "$end" <<'PY'
import json, re, sys
out, log, name, run, rc, start, end = sys.argv[1:]
result, stdout = ("ERROR" if rc != "0" else "OK"), ""
try:
    with open(log) as f:
        for line in f:
            r = json.loads(line)
            result, stdout = r.get("result", result), r.get("stdout", "") or ""
except FileNotFoundError:
    pass
figures = [dict(kv.split("=", 1) for kv in m.group(1).split())
           for m in re.finditer(r"^FAULT-FIGURES (.*)$", stdout, re.M)]
skip = re.search(r"^SKIP: (.*)$", stdout, re.M)
with open(out, "a") as f:
    f.write(json.dumps({"test": name, "run": int(run), "result": result, "seconds": float(end) - float(start),
                        "figures": figures, "skip_reason": skip.group(1) if skip else None}) + "\n")
print(f"run {run}: {name}: {result} ({float(end) - float(start):.0f} s)", flush=True)
PY
  done
done

pkill -QUIT -f "postgres -D /tmp/understudy-pg-${UNDERSTUDY_TEST_RUN}-" 2>/dev/null || true

python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
tests = {}
for r in rows:
    t = tests.setdefault(r["test"], {"runs": 0, "pass": 0, "skip": 0, "reasons": set(), "faults": {}})
    t["runs"] += 1
    t["pass"] += r["result"] in ("OK", "EXPECTEDFAIL")
    t["skip"] += r["result"] == "SKIP"
    if r["skip_reason"]: t["reasons"].add(r["skip_reason"])
    for fig in r["figures"]:
        t["faults"].setdefault(fig["fault"], []).append(fig)

def total(figs, *keys):
    vals = [int(f[k]) for f in figs for k in keys if k in f]
    return str(sum(vals)) if vals else "-"

def times(figs):
    # Median over the runs' values (a run's own median when it has several), max over its maxima.
    med = sorted(float(f.get("recovery_s", f.get("recovery_median_s", "nan"))) for f in figs
                 if "recovery_s" in f or "recovery_median_s" in f)
    top = [float(f.get("recovery_max_s", f.get("recovery_s", "nan"))) for f in figs
           if "recovery_s" in f or "recovery_max_s" in f]
    return f"{statistics.median(med):.2f} / {max(top):.2f}" if med and top else "-"

head = f"{'test / fault':38} {'runs':>4} {'pass':>4} {'skip':>4} {'segs differing':>14} {'mismatched':>10} {'acked missing':>13} {'reconnects':>10} {'recover s med/max':>17}"
print()
print(head)
print("-" * len(head))
for name, t in tests.items():
    print(f"{name:38} {t['runs']:>4} {t['pass']:>4} {t['skip']:>4}")
    for fault, figs in t["faults"].items():
        print(f"  {fault:36} {len(figs):>4} {'':>4} {'':>4} {total(figs, 'segments_differing'):>14} "
              f"{total(figs, 'mismatched'):>10} {total(figs, 'missing'):>13} {total(figs, 'reconnects'):>10} {times(figs):>17}")
        extra = {k: v for f in figs for k, v in f.items()
                 if k not in ("fault", "runs", "segments_differing", "mismatched", "missing", "reconnects",
                              "recovery_s", "recovery_median_s", "recovery_max_s")}
        if extra: print(f"  {'':36} last: " + " ".join(f"{k}={v}" for k, v in extra.items()))
    for reason in t["reasons"]: print(f"  skipped: {reason}")
failed = sum(t["runs"] - t["pass"] - t["skip"] for t in tests.values())
print()
print(f"{sum(t['runs'] for t in tests.values())} runs, {failed} failed")
sys.exit(1 if failed else 0)
PY
