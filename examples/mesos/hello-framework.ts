/**
 * A small Mesos framework on `@mesoflow/mesos-client`: it launches a few command tasks on
 * whatever agents offer room and prints every state change until all of them have ended,
 * then tears the framework down.
 *
 *   node --import tsx examples/mesos/hello-framework.ts --master 127.0.0.1:5050 --tasks 4
 *
 * Works the same against a real Mesos master as against `bin/mesos-local`.
 */
import { MesosSchedulerClient, type OffersEvent, type UpdateEvent } from '@mesoflow/mesos-client';
import { mesos } from '@mesoflow/proto';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';

const TERMINAL = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE']);
const TASK_CPUS = 0.1;
const TASK_MEM = 32;

const { values } = parseArgs({
  options: {
    master: { type: 'string', default: '127.0.0.1:5050' },
    tasks: { type: 'string', default: '4' },
  },
});
const taskCount = Number(values.tasks);
if (!Number.isInteger(taskCount) || taskCount < 1) {
  console.error(`--tasks: expected a whole number of at least 1, got '${values.tasks}'`);
  process.exit(2);
}

const pending = Array.from({ length: taskCount }, (_, i) => `hello-${i + 1}`);
const ended = new Map<string, string>();

const client = new MesosSchedulerClient({
  master: values.master,
  frameworkInfo: { user: userInfo().username, name: 'mesoflow-hello', capabilities: [{ type: mesos.v1.FrameworkInfo.Capability.Type.TASK_KILLING_STATE }] },
});

function scalar(offer: mesos.v1.Offer.$Properties, name: string): number {
  return offer.resources?.find((r) => r.name === name)?.scalar?.value ?? 0;
}

function commandTask(taskId: string, agentId: mesos.v1.AgentID.$Properties): mesos.v1.TaskInfo.$Properties {
  return {
    name: taskId,
    task_id: { value: taskId },
    agent_id: agentId,
    resources: [
      { name: 'cpus', type: mesos.v1.Value.Type.SCALAR, scalar: { value: TASK_CPUS } },
      { name: 'mem', type: mesos.v1.Value.Type.SCALAR, scalar: { value: TASK_MEM } },
    ],
    command: { value: 'echo "Hello from $MESOS_EXECUTOR_ID in $MESOS_SANDBOX"; sleep 0.2' },
  };
}

async function onOffers({ offers }: OffersEvent): Promise<void> {
  for (const offer of offers.offers ?? []) {
    const fits = Math.min(Math.floor(scalar(offer, 'cpus') / TASK_CPUS + 1e-9), Math.floor(scalar(offer, 'mem') / TASK_MEM));
    const taskIds = pending.splice(0, fits);
    if (taskIds.length === 0) {
      await client.decline({ offer_ids: [offer.id], filters: { refuse_seconds: 30 } });
      continue;
    }
    console.log(`Offer '${offer.id.value}' from agent '${offer.hostname}': launching ${taskIds.map((id) => `'${id}'`).join(', ')}`);
    await client.accept({
      offer_ids: [offer.id],
      operations: [{ type: mesos.v1.Offer.Operation.Type.LAUNCH, launch: { task_infos: taskIds.map((id) => commandTask(id, offer.agent_id)) } }],
      filters: { refuse_seconds: 30 },
    });
  }
  if (pending.length === 0) await client.suppress();
}

async function onUpdate({ update }: UpdateEvent): Promise<void> {
  const status = update.status;
  const state = mesos.v1.TaskState[status.state];
  const detail = status.message ? ` (${status.message})` : '';
  console.log(`Task '${status.task_id.value}' on agent '${status.agent_id?.value ?? '?'}': ${state}${detail}`);
  await client.acknowledgeStatus(status);
  if (TERMINAL.has(state)) ended.set(status.task_id.value, state);
  if (ended.size === taskCount) {
    const failed = [...ended.values()].filter((s) => s !== 'TASK_FINISHED').length;
    console.log(`All ${taskCount} tasks ended, ${failed} not finished; tearing the framework down.`);
    await client.teardown();
    await client.close();
    process.exitCode = failed === 0 ? 0 : 1;
  }
}

function report(error: unknown): void {
  console.error(`hello-framework: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
  void client.close();
}

client.on('OFFERS', (event) => void onOffers(event).catch(report));
client.on('UPDATE', (event) => void onUpdate(event).catch(report));
client.on('reconnecting', ({ attempt, delayMs, reason }) => console.log(`Reconnecting (attempt ${attempt}, in ${delayMs} ms): ${reason}`));
client
  .start()
  .then(({ frameworkId }) => console.log(`Subscribed to ${values.master} as framework '${frameworkId}'; launching ${taskCount} tasks`))
  .catch(report);
