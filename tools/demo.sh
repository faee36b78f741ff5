#!/usr/bin/env bash
# `npm run demo`: installs what is missing, starts the local Mesos stand-in with two agents,
# runs the example framework (built on our Mesos client) to the end of its tasks, shows what
# the tasks printed in their sandboxes, and stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "Checking prerequisites"
bash tools/ensure-deps.sh
bash tools/proto/ensure-generated.sh

work=$(mktemp -d -t mesoflow-demo-XXXXXX)
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
pids=()
cleanup() {
  status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$status" -eq 0 ]; then rm -rf "$work"; else echo "The demo failed; its files and logs are in $work" >&2; fi
}
trap cleanup EXIT

step "Starting the local Mesos stand-in on 127.0.0.1:$port (2 agents; log: $work/mesos-local.log)"
bin/mesos-local --port "$port" --agents 2 --resources "cpus:2;mem:2048;disk:10000;ports:[31000-31999]" \
  --work-dir "$work/mesos" >"$work/mesos-local.log" 2>&1 &
pids+=($!)
node -e "
  const deadline = Date.now() + 60000;
  (function poll() {
    require('http').get('http://127.0.0.1:$port/health', (res) => process.exit(res.statusCode === 200 ? 0 : 1))
      .on('error', () => Date.now() > deadline ? (console.error('mesos-local did not start; see $work/mesos-local.log'), process.exit(1)) : setTimeout(poll, 200));
  })();"

step "Running the example framework: 4 command tasks"
node --import tsx examples/mesos/hello-framework.ts --master "127.0.0.1:$port" --tasks 4

step "What the tasks printed (stdout in their sandboxes)"
find "$work/mesos" -name stdout -path '*/runs/*' | sort | while read -r file; do
  head -c 2000 "$file" | sed "s#$work/##"
done

step "Stopping the stand-in"
