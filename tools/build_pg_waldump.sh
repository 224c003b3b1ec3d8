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
# A tree without its own configure script (the 17.4 tree issue #12 names has src/ only) takes the
# configure, configure.ac, aclocal.m4, GNUmakefile.in, Makefile and config/ of a neighbouring
# version: CONFIGURE_FROM=OTHER_SRC_DIR copies them into SRC_DIR first, and substitutions the
# borrowed configure does not know are blanked in src/Makefile.global. Use 16's for 17.4: 18's
# configure no longer defines HAVE_LONG_INT_64 (17's c.h then has no int64) nor writes
# pg_config_ext.h (written here from the tree's template when missing), and its version lands in
# pg_config.h: give the tree's with PG_VERSION=17.4 (the 17.4 tree's meson.build is empty).
# The 17 fixtures were made with: CONFIGURE_FROM=<16.2 tree> PG_VERSION=17.4.
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
# A borrowed configure leaves the substitutions it does not know (17's @PG_POPCNT_OBJS@ with 16's)
# in src/Makefile.global: blank them (the features they name stay off).
if [ -n "${CONFIGURE_FROM:-}" ]; then
  sed -i -E 's/@[A-Za-z_0-9]+@//g' "$BUILD/src/Makefile.global" "$BUILD/src/Makefile.port" 2>/dev/null || true
fi
# ... and names its own version in pg_config.h: take the tree's from PG_VERSION=X.Y, else from its
# meson.build.
if [ -n "${CONFIGURE_FROM:-}" ]; then
  ver=${PG_VERSION:-$(sed -nE "s/^ *version: '([0-9]+)\.([0-9]+)'.*/\1.\2/p" "$SRC/meson.build" 2>/dev/null | head -1)}
  if [ -n "$ver" ]; then
    major=${ver%.*} minor=${ver#*.}
    sed -i -E "s/^(#define PACKAGE_STRING \"PostgreSQL )[0-9.]+\"/\1$ver\"/; s/^(#define PACKAGE_VERSION )\"[0-9.]+\"/\1\"$ver\"/;
      s/^(#define PG_MAJORVERSION )\"[0-9]+\"/\1\"$major\"/; s/^(#define PG_MAJORVERSION_NUM )[0-9]+/\1$major/;
      s/^(#define PG_VERSION )\"[0-9.]+\"/\1\"$ver\"/; s/^(#define PG_VERSION_NUM )[0-9]+/\1$((major * 10000 + minor))/;
      s/^(#define PG_VERSION_STR \"PostgreSQL )[0-9.]+/\1$ver/" "$BUILD/src/include/pg_config.h"
  fi
fi
# 18's configure (borrowed by the 17.4 tree) no longer writes src/include/pg_config_ext.h, which 17's
# headers include: make it from the tree's template (PG_INT64_TYPE is long int on LP64 Linux).
if [ -f "$SRC/src/include/pg_config_ext.h.in" ] && [ ! -f "$BUILD/src/include/pg_config_ext.h" ]; then
  sed 's/^#undef PG_INT64_TYPE$/#define PG_INT64_TYPE long int/' "$SRC/src/include/pg_config_ext.h.in" \
    >"$BUILD/src/include/pg_config_ext.h"
fi
make -j"$JOBS" -C "$BUILD/src/bin/pg_waldump" >"$OUT/make.log" 2>&1 ||
  { echo "build_pg_waldump: make failed; see $OUT/make.log" >&2; tail -20 "$OUT/make.log" >&2; exit 1; }
cp "$BUILD/src/bin/pg_waldump/pg_waldump" "$OUT/pg_waldump"
"$OUT/pg_waldump" --version
