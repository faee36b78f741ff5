#!/usr/bin/env bash
# `npm run faults [-- --short] [-- --scenario NAME]`: the fault suite (tools/faults/src/main.ts)
# against real Redis, ZooKeeper, the local Mesos stand-in and bin/mesos-appmaster.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/ensure-deps.sh
bash tools/proto/ensure-generated.sh
exec node --import tsx tools/faults/src/main.ts "$@"
