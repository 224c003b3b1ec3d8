#!/usr/bin/env bash
# The README's "run it" command.
#   tools/run.sh              the standby quickstart (tools/demo_standby.sh): a throwaway local
#                             primary under pgbench, `understudy standby --verify` as its
#                             synchronous standby, then lag percentiles, replay counters and a plot
#   tools/run.sh receive      the older receiver demo (tools/demo_receive.sh)
#   tools/run.sh ARGS...      runs `understudy ARGS...` from the build tree (after building), e.g.
#                             tools/run.sh lag --dir DIR --watch
# Each builds only the understudy binary (tools/setup.sh --run), not the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if (($# == 0)); then exec tools/demo_standby.sh; fi
if (($# == 1)) && [ "$1" = receive ]; then exec tools/demo_receive.sh; fi
tools/setup.sh --run
exec "$PWD/build/tools/understudy/understudy" "$@"
