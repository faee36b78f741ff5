#!/usr/bin/env bash
# `npm test`: installs what is missing, then lint (with module boundaries), typecheck and
# every test tier of every project, and ends with one line `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/ensure-deps.sh --browser || exit 1
rm -rf reports/jest && mkdir -p reports/jest
export NX_DAEMON=false NX_NO_CLOUD=true

npx nx run-many -t lint typecheck test --outputStyle=static
status=$?
node tools/test-summary.mjs reports/jest || status=1
exit "$status"
