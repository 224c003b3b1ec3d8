#!/usr/bin/env bash
# Fuzzes the WAL reader and decoder with libFuzzer (AddressSanitizer + UBSan) for a bounded time.
# Usage: tools/fuzz.sh [SECONDS=60] [CORPUS_DIR=tests/fuzz/corpus]
# Builds a separate instrumented tree in build-fuzz/ with clang; the seed corpus holds the first
# pages of real PostgreSQL 15 segments (plain, pglz/lz4/zstd-compressed images, consistency
# checking). New inputs found are written to build-fuzz/corpus, not to the checked-in corpus.
# Exit status: 0 no crash, 1 a crash / leak / sanitizer report (the reproducer is in build-fuzz/).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
seeds=${2:-tests/fuzz/corpus}

if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dwerror=false -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz tests/wal/wal_reader_fuzz
mkdir -p build-fuzz/corpus
cd build-fuzz
./tests/wal/wal_reader_fuzz -max_total_time="$seconds" -max_len=262144 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 corpus "../$seeds"
