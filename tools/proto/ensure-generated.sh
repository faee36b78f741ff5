#!/usr/bin/env bash
# Regenerates libs/proto/src/generated when it is missing or older than any proto/** file.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=libs/proto/src/generated/protos.js
if [ ! -f "$out" ] || [ -n "$(find proto -name '*.proto' -newer "$out" -print -quit)" ]; then
  node tools/proto/generate.mjs
fi
