#!/usr/bin/env bash
# Installs what `npm test` and `npm run demo` need and is missing: the npm packages
# (`npm ci` when node_modules is absent or older than the lock file), the Debian servers the
# tests and the local cluster run for real, the archive tools the Mesos fetcher uses, and (with
# --browser, for npm test) Debian's chromium for the web UI's browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[ensure-deps] %s\n' "$*"; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "Installing npm packages (npm ci)"
  ci_log=$(mktemp)
  if ! npm ci --no-audit --no-fund >"$ci_log" 2>&1; then
    # The registry these machines reach serves no builds for other platforms (e.g.
    # @swc/core-darwin-arm64 answers 404), so the lock file cannot list them and npm ci's
    # sync check calls it out of date. npm install installs the same locked versions.
    if grep -q 'can only install packages when your package.json and package-lock.json' "$ci_log"; then
      log "npm ci refused the lock file for other platforms' optional builds; installing the locked versions with npm install"
      npm install --no-audit --no-fund
    else
      cat "$ci_log" >&2
      exit 1
    fi
  fi
  rm -f "$ci_log"
fi

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/share/zookeeper/bin/zkServer.sh ] || missing+=(zookeeper)
# What the local Mesos stand-in's fetcher extracts with, as Mesos' own fetcher does, and what
# the tests build archives and certificates with.
for tool in tar gzip bzip2 xz unzip zip openssl; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$([ "$tool" = xz ] && echo xz-utils || echo "$tool")")
done
# `--browser` (npm test): the headless Chromium the web UI's browser tests drive.
if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
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
