#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test (unit and integration against a real
# PostgreSQL 15). Usage: tools/test.sh [meson test args, e.g. --suite unit]
set -uo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh || exit 1

# Every server this run starts lives in /tmp/understudy-pg-<run>-*, so the clean-up below
# cannot touch another run's servers on the same machine.
export UNDERSTUDY_TEST_RUN="run$$"

# Suite "wip" holds tests of unfinished work (see tests/integration/meson.build); not run here.
meson test -C build --print-errorlogs --num-processes 1 --no-suite wip "$@"
rc=$?

# Leftover servers from a crashed test of this run (the fixture names its dirs
# understudy-pg-<run>-*).
pkill -QUIT -f "postgres -D /tmp/understudy-pg-${UNDERSTUDY_TEST_RUN}-" 2>/dev/null || true

# The closing line CI reads: "N passed, N failed".
python3 - <<'PY'
import json
passed = failed = skipped = 0
try:
    with open("build/meson-logs/testlog.json") as f:
        for line in f:
            r = json.loads(line)
            res = r.get("result")
            if res in ("OK", "EXPECTEDFAIL"): passed += 1
            elif res == "SKIP": skipped += 1
            else: failed += 1
except FileNotFoundError:
    pass
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc
