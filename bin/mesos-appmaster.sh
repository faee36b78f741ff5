#!/usr/bin/env bash
# Starts a Mesoflow session cluster: the artifact server, the configuration overlay, the Mesos
# scheduler and the dispatcher gateway under one supervisor (a crashed service is restarted;
# SIGTERM stops them all). As in Flink's seed commands:
#   bin/mesos-appmaster.sh -Dmesos.master=master:5050 -Djobmanager.rpc.address=$HOST \
#     -Dmesos.resourcemanager.tasks.cpus=1 [-Dkey=value ...] [--work-dir dir]
# Options come from $MESOFLOW_CONF_DIR/mesoflow-conf.yaml (default: conf/ of this installation),
# MESOFLOW_* variables and -D. Jobs are queued in Redis (redis.url); start Redis with append-only
# persistence (appendonly yes) so that no accepted job is lost when it restarts.
set -euo pipefail
MESOFLOW_HOME="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
export MESOFLOW_HOME
export MESOFLOW_CONF_DIR="${MESOFLOW_CONF_DIR:-$MESOFLOW_HOME/conf}"
# From any folder: tsx is resolved from, and reads the tsconfig paths of, the installation.
tsx_loader="$(node -p 'require.resolve("tsx", { paths: [process.argv[1]] })' "$MESOFLOW_HOME")"
export TSX_TSCONFIG_PATH="$MESOFLOW_HOME/tsconfig.json"
exec node --import "$tsx_loader" "$MESOFLOW_HOME/apps/appmaster/src/main.ts" "$@"
