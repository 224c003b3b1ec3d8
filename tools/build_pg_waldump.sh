#!/usr/bin/env bash
# Builds one PostgreSQL version's pg_waldump from its source tree, the reference for
# tools/waldump_diff.sh --version N and tools/make_version_fixtures.sh (CI needs neither: the
# fixtures in tests/fixtures/wal/pgN/ carry its expected outputs).
#
# Usage: tools/build_pg_waldump.sh SRC_DIR OUT_DIR
#   SRC_DIR  a PostgreSQL source tree (a release tarball or a git checkout of the version)
#   OUT_DIR  receives OUT_DIR/pg_waldump (and OUT_DIR/build, the build tree of a VPATH build)
#
# Configures without ICU, readline, zlib, lz4 and zstd (pg_waldump then decompresses pglz images
# only, as the 14/16/17/18 servers of tools/pg_versions.sh write them), then makes
# src/bin/pg_waldump alone (it pulls in src/common and src/port). A tree that is already
# configured (src/Makefile.global exists) is built in place; otherwise the build is a VPATH build
# in OUT_DIR/build and the source tree stays untouched.
# A tree without its own configure script (the 17.4 tree issue #12 names has src/ only) can take
# the configure, configure.ac, aclocal.m4, GNUmakefile.in, Makefile and config/ of a neighbouring
# version (18's were used for 17.4: the checks pg_waldump needs are the same); say so with
# CONFIGURE_FROM=OTHER_SRC_DIR, which copies those files into SRC_DIR first.
# Needs gcc and make (and bison and flex for a git checkout, which lacks the generated parsers);
# CI does not run it.
set -euo pipefail

[ $# -eq 2 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }
SRC=$(realpath "$1")
OUT=$(realpath -m "$2")
[ -f "$SRC/src/bin/pg_waldump/pg_waldump.c" ] || { echo "build_pg_waldump: $SRC is not a PostgreSQL source tree (no src/bin/pg_waldump/pg_waldump.c)" >&2; exit 1; }
if [ -n "${CONFIGURE_FROM:-}" ] && [ ! -x "$SRC/configure" ]; then
  for f in configure configure.ac aclocal.m4 GNUmakefile.in Makefile config; do
    cp -r "$CONFIGURE_FROM/$f" "$SRC/"
  done
fi
[ -x "$SRC/configure" ] || { echo "build_pg_waldump: $SRC has no configure script (give CONFIGURE_FROM=another version's source tree)" >&2; exit 1; }
mkdir -p "$OUT"
JOBS=${JOBS:-2}
if [ -f "$SRC/src/Makefile.global" ]; then
  BUILD=$SRC
else
  BUILD="$OUT/build"
  mkdir -p "$BUILD"
  if [ ! -f "$BUILD/src/Makefile.global" ]; then
    (cd "$BUILD" && "$SRC/configure" --without-icu --without-readline --without-zlib --without-lz4 --without-zstd) \
      >"$OUT/configure.log" 2>&1 || { echo "build_pg_waldump: configure failed; see $OUT/configure.log" >&2; tail -20 "$OUT/configure.log" >&2; exit 1; }
  fi
fi
make -j"$JOBS" -C "$BUILD/src/bin/pg_waldump" >"$OUT/make.log" 2>&1 ||
  { echo "build_pg_waldump: make failed; see $OUT/make.log" >&2; tail -20 "$OUT/make.log" >&2; exit 1; }
cp "$BUILD/src/bin/pg_waldump/pg_waldump" "$OUT/pg_waldump"
"$OUT/pg_waldump" --version
