#!/usr/bin/env bash
# Builds the Debian package (debian/) from this tree without touching it: the tracked and new
# files are copied to a temporary directory, built there with `dpkg-buildpackage -us -uc -b`,
# and the .deb is copied to OUTDIR (default build/deb). Build dependencies: debian/control's
# Build-Depends (tools/setup.sh installs them). Prints the .deb's path on the last line.
#   tools/build_deb.sh [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="$(realpath -m "${1:-build/deb}")"
TMP="$(mktemp -d /tmp/understudy-deb-XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/src" "$OUT"
# The tree as it is (committed or not), without build directories or ignored files.
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -xf - -C "$TMP/src"
cd "$TMP/src"
# Reuse the compiler cache across temporary directories: paths relative to the copy, and no
# -ffile-prefix-map naming the (random) directory in every compile command.
export CCACHE_BASEDIR="$TMP" CCACHE_NOHASHDIR=1
export DEB_BUILD_MAINT_OPTIONS="${DEB_BUILD_MAINT_OPTIONS:-hardening=+all reproducible=-fixfilepath,-fixdebugpath}"
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=2 nocheck}"
if ! dpkg-buildpackage -us -uc -b >"$TMP/build.log" 2>&1; then
  tail -40 "$TMP/build.log" >&2
  echo "build_deb: dpkg-buildpackage failed in $TMP/src (log above); install debian/control's Build-Depends (tools/setup.sh)" >&2
  exit 1
fi
debs=("$TMP"/understudy_*.deb)
cp "${debs[@]}" "$OUT/"
echo "$OUT/$(basename "${debs[0]}")"
