#!/usr/bin/env bash
# Installs what `npm test` and `npm run demo` need and is missing: the npm packages
# (`npm ci` when node_modules is absent or older than the lock file) and the Debian
# servers the tests and the local cluster run for real.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[ensure-deps] %s\n' "$*"; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "Installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/share/zookeeper/bin/zkServer.sh ] || missing+=(zookeeper)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "Need root (or sudo) to apt-get install ${missing[*]}"; exit 1; }
    sudo="sudo"
  fi
  log "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
