#!/usr/bin/env bash
# The TaskManager's entry script inside a Mesos sandbox (the command of every TaskManager task).
#
# With container type `mesos` the fetcher has unpacked the Mesoflow distribution into
# $MESOS_SANDBOX/mesoflow and fetched the TaskManager's configuration to
# $MESOS_SANDBOX/conf/mesoflow-conf.yaml (plus keytab, keystores and lib/ when configured); with
# a Docker image, MESOFLOW_HOME comes from the image. Nothing secret is passed on the command line
# or in the environment: secrets are in the fetched files.
#
# Reads: MESOS_SANDBOX (set by the agent), MESOFLOW_HOME (optional), MESOFLOW_TASK_ID,
# MESOFLOW_BOOTSTRAP_CMD (mesos.resourcemanager.tasks.bootstrap-cmd, optional).
# Arguments are passed on to the TaskManager (e.g. -Dkey=value).
set -euo pipefail

die() {
  echo "mesos-taskmanager.sh: $*" >&2
  exit 1
}

[[ -n "${MESOS_SANDBOX:-}" ]] || die "MESOS_SANDBOX is not set; this script runs inside a Mesos task"
[[ -d "$MESOS_SANDBOX" ]] || die "MESOS_SANDBOX '$MESOS_SANDBOX' is not a folder"

# The distribution: MESOFLOW_HOME if given, else the one unpacked in the sandbox, else the
# installation this script belongs to.
if [[ -z "${MESOFLOW_HOME:-}" ]]; then
  if [[ -x "$MESOS_SANDBOX/mesoflow/bin/mesos-taskmanager.sh" ]]; then
    MESOFLOW_HOME="$MESOS_SANDBOX/mesoflow"
  else
    MESOFLOW_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  fi
fi
[[ -d "$MESOFLOW_HOME" ]] || die "the Mesoflow distribution '$MESOFLOW_HOME' is not a folder"
export MESOFLOW_HOME

# Shipped files are named relative to the sandbox in the TaskManager's configuration.
cd "$MESOS_SANDBOX"
export MESOFLOW_CONF_DIR="$MESOS_SANDBOX/conf"
[[ -f "$MESOFLOW_CONF_DIR/mesoflow-conf.yaml" ]] || die "no TaskManager configuration at '$MESOFLOW_CONF_DIR/mesoflow-conf.yaml'"

if [[ -n "${MESOFLOW_BOOTSTRAP_CMD:-}" ]]; then
  echo "Running the bootstrap command of task '${MESOFLOW_TASK_ID:-unknown}'"
  # The bootstrap command is a shell command by definition (mesos.resourcemanager.tasks.bootstrap-cmd).
  sh -c "$MESOFLOW_BOOTSTRAP_CMD" || die "the bootstrap command failed with status $?"
fi

# The configuration check loads the shipped configuration the way the TaskManager will and prints
# what it found (slots, addresses, shipped files), so a broken shipment shows in stdout at once.
node "$MESOFLOW_HOME/libexec/verify-taskmanager-conf.js" "$@" || die "the shipped configuration does not load"

echo "Starting TaskManager '${MESOFLOW_TASK_ID:-unknown}' from '$MESOFLOW_HOME'"
# A 1 MiB young generation, as dist/<service>/run does: measured, it halves idle memory.
exec node --max-semi-space-size=1 "$MESOFLOW_HOME/libexec/taskmanager/main.js" "$@"
