#!/usr/bin/env bash
# Install what laoke needs on Debian, only what is missing.
#   scripts/deps.sh run    build and run the server (and the console's npm libraries)
#   scripts/deps.sh test   also the test suite (cmocka, python3, node/npm, chromium)
# Uses sudo when not root. Prints nothing when everything is there.
set -euo pipefail
what=${1:-run}

# zlib1g-dev: xlsxwriter's pkg-config names -lz, but libxlsxwriter-dev does not pull it in
run_pkgs=(build-essential pkg-config meson ninja-build libmicrohttpd-dev libjansson-dev
          libsqlite3-dev libsodium-dev libxlsxwriter-dev zlib1g-dev libcsv-dev ca-certificates)
test_pkgs=(libcmocka-dev python3 python3-openpyxl sqlite3 clang libclang-rt-14-dev chromium fonts-noto-cjk)

pkgs=("${run_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# node and npm: the console's chart and QR code libraries come from npm (the lock
# file) when running, the browser tests too when testing. Node may come from Debian
# (nodejs + npm) or elsewhere; only the commands matter.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
