#!/usr/bin/env bash
# Fuzzes with libFuzzer (AddressSanitizer + UBSan) for a bounded time: the WAL reader and decoder
# (tests/fuzz/wal_reader_fuzz.cpp) and the replication protocol decoders
# (tests/fuzz/protocol_fuzz.cpp).
# Usage: tools/fuzz.sh [SECONDS=60] [TARGETS="wal_reader protocol"] [-- extra libFuzzer options]
# SECONDS is the total, shared equally by the targets. Builds a separate instrumented tree in
# build-fuzz/ with clang. Seed corpora: tests/fuzz/corpus (the first pages of real PostgreSQL 15
# segments: plain, pglz/lz4/zstd-compressed images, consistency checking; seg-start-pgN.wal,
# the first 32 kB of a coverage fixture segment of each version 14 to 18; and the last 16 kB of
# a 1 MB segment with the first 16 kB of the next, a record continued across the boundary) and
# tests/fuzz/protocol_corpus (w/k/r messages and result rows). New inputs found are written to
# build-fuzz/corpus-<target>, not to the checked-in corpora.
# Example, a fixed number of runs instead of a time: tools/fuzz.sh 0 protocol -- -runs=10000000
# Exit status: 0 no crash, 1 a crash / leak / sanitizer report (the reproducer is in build-fuzz/).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=${2:-"wal_reader protocol"}
shift $(( $# > 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
extra=("$@")

if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dwerror=false -Dbuildtype=debugoptimized >/dev/null
fi
read -r -a target_list <<<"$targets"
per_target=$(( seconds / ${#target_list[@]} ))
rc=0
for t in "${target_list[@]}"; do
    case "$t" in
        # 64 kB: a record spans up to 8 WAL pages in it (one with four 8 kB full-page images and
        # its data crosses 5 page boundaries), and an input whose first page is a short header is
        # placed at that page of a 1 MB segment, so 64 kB reach over a segment boundary from any
        # of its last 7 pages (records continued into the next segment, its long header) without
        # 1 MB inputs. Past that, longer inputs only repeat these cases and cost time: 256 kB gave
        # 487 exec/s.
        wal_reader) exe=tests/wal/wal_reader_fuzz; seeds=tests/fuzz/corpus; max_len=65536 ;;
        protocol) exe=tests/receiver/protocol_fuzz; seeds=tests/fuzz/protocol_corpus; max_len=65536 ;;
        *) echo "tools/fuzz.sh: unknown target \"$t\" (wal_reader, protocol)" >&2; exit 2 ;;
    esac
    ninja -C build-fuzz "$exe"
    mkdir -p "build-fuzz/corpus-$t"
    time_opt=()
    [ "$per_target" -gt 0 ] && time_opt=(-max_total_time="$per_target")
    echo "fuzz: $t${time_opt:+ for $per_target s}" >&2
    (cd build-fuzz && "./$exe" "${time_opt[@]}" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 "${extra[@]}" "corpus-$t" "../$seeds") || rc=1
done
exit $rc
