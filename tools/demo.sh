#!/usr/bin/env bash
# `npm run demo`: installs what is missing, then does what the seed documents do with Flink on
# Mesos, on this machine: Redis (append-only), the local Mesos stand-in with two agents, and a
# session cluster started by bin/mesos-appmaster.sh, whose scheduler launches two TaskManagers
# as Mesos tasks. WordCount and WindowJoin run through bin/mesoflow with their progress, and what
# their print() sinks wrote on the TaskManagers is shown. Then WordCount runs again on a per-job
# cluster (bin/mesos-appmaster-job.sh) from a job graph file. Everything started is stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n== %s\n' "$*"; }

step "Checking prerequisites"
bash tools/ensure-deps.sh
bash tools/proto/ensure-generated.sh

work=$(mktemp -d -t mesoflow-demo-XXXXXX)
pids=()
cleanup() {
  status=$?
  # The application master first (SIGTERM stops its services), then the stand-in and Redis.
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$status" -eq 0 ]; then rm -rf "$work"; else echo "The demo failed; its files and logs are in $work" >&2; fi
}
trap cleanup EXIT

# Free loopback ports, one per name.
read -r redis_port mesos_port rpc_port rest_port gateway_port artifact_port artifact_http overlay_port overlay_http scheduler_http \
  job_rpc job_artifact job_artifact_http job_overlay job_overlay_http job_scheduler_http < <(node -e "
  const net = require('net');
  const take = () => new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
  (async () => { const ports = new Set(); while (ports.size < 16) ports.add(await take()); console.log([...ports].join(' ')); })();")

wait_for() { # description, seconds, command...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "Timed out waiting for $what" >&2
  return 1
}

step "Starting Redis on 127.0.0.1:$redis_port with append-only persistence (the job queue)"
redis-server --port "$redis_port" --bind 127.0.0.1 --appendonly yes --dir "$work" --save '' >"$work/redis.log" 2>&1 &
pids=($! "${pids[@]}")
wait_for "Redis" 30 redis-cli -p "$redis_port" ping

step "Starting the local Mesos stand-in on 127.0.0.1:$mesos_port (2 agents; log: $work/mesos-local.log)"
bin/mesos-local --port "$mesos_port" --agents 2 --resources "cpus:2;mem:2048;disk:10000;ports:[34000-34999]" \
  --allocation-interval 200ms --work-dir "$work/mesos" >"$work/mesos-local.log" 2>&1 &
pids=($! "${pids[@]}")
wait_for "the stand-in" 60 node -e "require('http').get('http://127.0.0.1:$mesos_port/health', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"

mkdir -p "$work/conf"
cat >"$work/conf/mesoflow-conf.yaml" <<EOF
mesos.master: 127.0.0.1:$mesos_port
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $rpc_port
rest.port: $rest_port
dispatcher.grpc.port: $gateway_port
redis.url: redis://127.0.0.1:$redis_port
mesos.initial-tasks: 2
taskmanager.numberOfTaskSlots: 2
mesos.resourcemanager.tasks.cpus: 0.5
mesos.resourcemanager.tasks.mem: 256m
mesos.resourcemanager.declined-offer-refuse-duration: 500ms
mesos.resourcemanager.artifactserver.grpc.port: $artifact_port
mesos.resourcemanager.artifactserver.port: $artifact_http
mesos.resourcemanager.artifactserver.bind-host: 127.0.0.1
mesos.resourcemanager.artifactserver.advertised-host: 127.0.0.1
EOF
export MESOFLOW_CONF_DIR="$work/conf"

step "Starting a session cluster: bin/mesos-appmaster.sh (log: $work/appmaster.log)"
echo "\$ bin/mesos-appmaster.sh -Dmesos.resourcemanager.framework.name=Mesoflow-demo   # with $work/conf/mesoflow-conf.yaml"
bin/mesos-appmaster.sh --work-dir "$work/appmaster" --bind-host 127.0.0.1 --config-overlay-port "$overlay_port" \
  --config-overlay-http-port "$overlay_http" --scheduler-http-port "$scheduler_http" \
  -Dmesos.resourcemanager.framework.name=Mesoflow-demo >"$work/appmaster.log" 2>&1 &
appmaster=$!
pids=("$appmaster" "${pids[@]}")
registered() { grep -c "TaskManager '[^']*' registered" "$work/appmaster.log" 2>/dev/null || true; }
shown=-1
for _ in $(seq 1 600); do
  kill -0 "$appmaster" 2>/dev/null || { echo "The application master exited; see $work/appmaster.log" >&2; exit 1; }
  up=$(grep -c "Session cluster is up" "$work/appmaster.log" 2>/dev/null || true)
  n=$(registered)
  if [ "$up$n" != "$shown" ]; then
    echo "  services up: $([ "$up" -gt 0 ] && echo yes || echo starting), TaskManagers registered: $n of 2"
    shown="$up$n"
  fi
  [ "$up" -gt 0 ] && [ "$n" -ge 2 ] && break
  sleep 0.2
done
[ "$(registered)" -ge 2 ] || { echo "The TaskManagers did not register; see $work/appmaster.log" >&2; exit 1; }

# What the TaskManagers' print() sinks wrote (`<subtask>> record` on their stdout), new since the last call.
printed=$work/printed
: >"$printed"
show_printed() {
  find "$work/mesos" -name stdout -path '*/runs/*' -exec grep -h '^[0-9]*> ' {} + 2>/dev/null | sort >"$printed.now" || true
  comm -13 "$printed" "$printed.now" | head -n "${1:-40}"
  mv "$printed.now" "$printed"
}

step "WordCount (batch mode, parallelism 2) through the CLI"
echo "\$ bin/mesoflow run -p 2 examples/batch/word-count.ts --execution-mode batch"
bin/mesoflow run -p 2 examples/batch/word-count.ts --execution-mode batch
echo "-- what the TaskManagers printed:"
show_printed 60

step "WindowJoin (event-time tumbling windows) through the CLI"
echo "\$ bin/mesoflow run -p 2 examples/streaming/window-join.ts --rate 20 --count 40 --window-ms 500"
bin/mesoflow run -p 2 examples/streaming/window-join.ts --rate 20 --count 40 --window-ms 500
echo "-- what the TaskManagers printed (first 20 lines):"
show_printed 20

step "The session cluster's jobs"
echo "\$ bin/mesoflow list"
bin/mesoflow list

step "Stopping the session cluster (SIGTERM to the application master)"
kill -TERM "$appmaster"
wait "$appmaster" || true
echo "  stopped"

step "WordCount on a per-job cluster from a job graph file"
echo "\$ bin/mesoflow jobgraph -p 2 examples/batch/word-count.ts -o $work/word-count.graph --execution-mode batch"
bin/mesoflow jobgraph -p 2 examples/batch/word-count.ts -o "$work/word-count.graph" --execution-mode batch
echo "\$ bin/mesos-appmaster-job.sh -Dinternal.jobgraph-path=$work/word-count.graph   (log: $work/per-job.log)"
set +e
bin/mesos-appmaster-job.sh --work-dir "$work/per-job" --bind-host 127.0.0.1 --config-overlay-port "$job_overlay" \
  --config-overlay-http-port "$job_overlay_http" --scheduler-http-port "$job_scheduler_http" \
  -Dinternal.jobgraph-path="$work/word-count.graph" -Dmesos.resourcemanager.framework.name=Mesoflow-demo-per-job \
  -Djobmanager.rpc.port="$job_rpc" -Dmesos.resourcemanager.artifactserver.grpc.port="$job_artifact" \
  -Dmesos.resourcemanager.artifactserver.port="$job_artifact_http" >"$work/per-job.log" 2>&1
code=$?
set -e
# The job's and the application master's own lines, from the cluster's JSON log.
node -e "
  for (const line of require('fs').readFileSync(process.argv[1], 'utf8').split('\n')) {
    try { const entry = JSON.parse(line); if (['job-cluster', 'appmaster'].includes(entry.service) && !entry.progress && entry.component !== 'process-supervisor') console.log('  ' + entry.msg); } catch {}
  }" "$work/per-job.log"
echo "  bin/mesos-appmaster-job.sh exited with code $code"
[ "$code" -eq 0 ] || exit 1
echo "-- what its TaskManagers printed:"
show_printed 60

step "Stopping the stand-in and Redis"
