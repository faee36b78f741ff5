// The minimal scheduler on our client that the mesos-launch benchmark runs: it packs as many
// pending command tasks into each offer as fit (one ACCEPT per offer), declines the rest,
// suppresses once nothing is pending, and acknowledges every update that carries a uuid.
import { userInfo } from 'node:os';
import { performance } from 'node:perf_hooks';
import { MesosSchedulerClient, type OffersEvent, type UpdateEvent } from '@mesoflow/mesos-client';
import type { MesosMediaType } from '@mesoflow/mesos-codec';
import { mesos } from '@mesoflow/proto';

/** Options of {@link launchWithMesoflow}. */
export interface MesoflowLaunchOptions {
  /** The master: `host:port`, `http://…` or `zk://…`. */
  master: string;
  tasks: number;
  command: string;
  cpus: number;
  mem: number;
  timeoutMs: number;
  /** @default 'application/x-protobuf' */
  mediaType?: MesosMediaType;
}

/** What one launch did. */
export interface MesoflowLaunchResult {
  /** From start() to the last task reaching a terminal state. */
  seconds: number;
  finished: number;
  failed: Record<string, number>;
  /** ACKNOWLEDGE calls answered with 202. */
  acks: number;
  offers: number;
  accepts: number;
  timedOut: boolean;
}

const { TaskState } = mesos.v1;
const TERMINAL = new Set([
  TaskState.TASK_FINISHED,
  TaskState.TASK_FAILED,
  TaskState.TASK_KILLED,
  TaskState.TASK_LOST,
  TaskState.TASK_ERROR,
  TaskState.TASK_DROPPED,
  TaskState.TASK_GONE,
  TaskState.TASK_GONE_BY_OPERATOR,
]);

function scalar(offer: mesos.v1.Offer.$Properties, name: string): number {
  return offer.resources?.find((resource) => resource.name === name)?.scalar?.value ?? 0;
}

/** Launches `tasks` command tasks through our client and resolves once all have ended. */
export async function launchWithMesoflow(options: MesoflowLaunchOptions): Promise<MesoflowLaunchResult> {
  const { tasks, cpus, mem } = options;
  const result: MesoflowLaunchResult = { seconds: 0, finished: 0, failed: {}, acks: 0, offers: 0, accepts: 0, timedOut: false };
  const client = new MesosSchedulerClient({
    master: options.master,
    mediaType: options.mediaType ?? 'application/x-protobuf',
    frameworkInfo: { user: userInfo().username, name: 'mesoflow-bench-launch' },
  });
  let next = 0;
  let ended = 0;
  let failure: Error | undefined;
  const resources = (): mesos.v1.Resource.$Properties[] => [
    { name: 'cpus', type: mesos.v1.Value.Type.SCALAR, scalar: { value: cpus } },
    { name: 'mem', type: mesos.v1.Value.Type.SCALAR, scalar: { value: mem } },
  ];

  function onOffers({ offers }: OffersEvent): void {
    for (const offer of offers.offers ?? []) {
      result.offers++;
      // Count in integer milli-units so that 40 tasks of 0.1 cpus fit 4 cpus.
      let freeCpus = Math.round(scalar(offer, 'cpus') * 1000);
      let freeMem = Math.round(scalar(offer, 'mem'));
      const taskInfos: mesos.v1.TaskInfo.$Properties[] = [];
      while (next < tasks && freeCpus >= cpus * 1000 && freeMem >= mem) {
        freeCpus -= Math.round(cpus * 1000);
        freeMem -= mem;
        const id = `task-${String(next++).padStart(5, '0')}`;
        taskInfos.push({ name: id, task_id: { value: id }, agent_id: offer.agent_id, resources: resources(), command: { value: options.command } });
      }
      const call =
        taskInfos.length > 0
          ? client.accept({
              offer_ids: [offer.id],
              operations: [{ type: mesos.v1.Offer.Operation.Type.LAUNCH, launch: { task_infos: taskInfos } }],
              filters: { refuse_seconds: 60 },
            })
          : client.decline({ offer_ids: [offer.id], filters: { refuse_seconds: 60 } });
      if (taskInfos.length > 0) result.accepts++;
      call.catch((error: Error) => (failure ??= error));
    }
    if (next === tasks) client.suppress().catch((error: Error) => (failure ??= error));
  }

  const acks = new Set<Promise<unknown>>();
  const done = new Promise<void>((resolve) => {
    client.on('UPDATE', ({ update }: UpdateEvent) => {
      const status = update.status;
      const ack = client
        .acknowledgeStatus(status)
        .then((sent) => sent && result.acks++)
        .catch((error: Error) => (failure ??= error))
        .finally(() => acks.delete(ack));
      acks.add(ack);
      const state = status.state ?? TaskState.TASK_STAGING;
      if (!TERMINAL.has(state)) return;
      if (state === TaskState.TASK_FINISHED) result.finished++;
      else result.failed[TaskState[state]] = (result.failed[TaskState[state]] ?? 0) + 1;
      if (++ended === tasks) resolve();
    });
  });
  client.on('OFFERS', onOffers);

  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      result.timedOut = true;
      resolve();
    }, options.timeoutMs);
  });
  try {
    await client.start();
    await Promise.race([done, timedOut]);
    result.seconds = (performance.now() - started) / 1000;
    // The last acknowledgements are still on their way; TEARDOWN must not overtake them.
    await Promise.all(acks);
    await client.teardown();
  } finally {
    clearTimeout(timer);
    await client.close();
  }
  if (failure) throw failure;
  return result;
}
