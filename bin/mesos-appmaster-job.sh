#!/usr/bin/env bash
# Runs one job on a cluster of its own (Flink's per-job mode): the artifact server, the
# configuration overlay and the Mesos scheduler under one supervisor, and the job of the job
# graph file `bin/mesoflow jobgraph` wrote. When the job ends, the scheduler tears the Mesos
# framework down and everything stops; the exit code is the job's (0 finished, 1 failed,
# 130 canceled by SIGTERM).
#   bin/mesos-appmaster-job.sh -Dinternal.jobgraph-path=job.graph -Dmesos.master=master:5050 \
#     -Djobmanager.rpc.address=$HOST [-Dkey=value ...] [--work-dir dir]
set -euo pipefail
MESOFLOW_HOME="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
export MESOFLOW_HOME
export MESOFLOW_CONF_DIR="${MESOFLOW_CONF_DIR:-$MESOFLOW_HOME/conf}"
# From any folder: tsx is resolved from, and reads the tsconfig paths of, the installation.
tsx_loader="$(node -p 'require.resolve("tsx", { paths: [process.argv[1]] })' "$MESOFLOW_HOME")"
export TSX_TSCONFIG_PATH="$MESOFLOW_HOME/tsconfig.json"
exec node --import "$tsx_loader" "$MESOFLOW_HOME/apps/appmaster/src/main.ts" --mode per-job "$@"
