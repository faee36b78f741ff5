#!/usr/bin/env bash
# `npm run bench -- NAME`: runs bench/NAME.ts, which compares us against a named peer in the
# same run and ends with one line `BENCH {json}`.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:-}"
if [ -z "$name" ] || [ ! -f "bench/$name.ts" ]; then
  echo "usage: npm run bench -- NAME, where NAME is one of:" >&2
  for file in bench/*.ts; do basename "$file" .ts; done | sed 's/^/  /' >&2
  exit 2
fi
shift
bash tools/ensure-deps.sh
bash tools/proto/ensure-generated.sh
exec node --import tsx "bench/$name.ts" "$@"
