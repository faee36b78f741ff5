#!/usr/bin/env bash
# Runs one job on a cluster of its own (Flink's per-job mode): the artifact server, the
# configuration overlay and the Mesos scheduler under one supervisor, and the job of the job
# graph file `bin/mesoflow jobgraph` wrote. When the job ends, the scheduler tears the Mesos
# framework down and everything stops; the exit code is the job's (0 finished, 1 failed,
# 130 canceled by SIGTERM).
#   bin/mesos-appmaster-job.sh -Dinternal.jobgraph-path=job.graph -Dmesos.master=master:5050 \
#     -Djobmanager.rpc.address=$HOST [-Dkey=value ...] [--work-dir dir]
set -euo pipefail
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/mesos-appmaster.sh" --mode per-job "$@"
