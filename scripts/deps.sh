#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build and test
# Cumulus, through apt, and only what is missing. Safe to run repeatedly.
#   scripts/deps.sh          build dependencies (pkg-config, libvips-dev)
#   scripts/deps.sh test     plus what the test suites start (node, npm)
#   scripts/deps.sh bench    plus wrk and nginx for `make bench`
set -euo pipefail

want=(pkg-config libvips-dev)
case "${1:-build}" in
  test)  want+=(nodejs npm) ;;
  bench) want+=(wrk nginx-light) ;;
esac

missing=()
for p in "${want[@]}"; do
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
    nginx-light) command -v nginx >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
