#!/usr/bin/env bash
# `npm test`: installs what is missing, then lint (with module boundaries), typecheck and
# every test tier of every project, and ends with one line `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/ensure-deps.sh --browser || exit 1
# The web UI's browser tests open the built UI (dist/web-ui), as the gateway serves it.
build_log=$(mktemp)
npm run build >"$build_log" 2>&1 || { cat "$build_log" >&2; exit 1; }
rm -f "$build_log"
rm -rf reports/jest && mkdir -p reports/jest
export NX_DAEMON=false NX_NO_CLOUD=true

npx nx run-many -t lint typecheck test --outputStyle=static
status=$?
node tools/test-summary.mjs reports/jest || status=1
exit "$status"
