// The scheduler's views of /api/v1 (overview, TaskManagers, Mesos) from the resource manager's
// answers. Pure functions of plain data.
import type { FrameworkView, JobStateName, JobSummaryView, MesosView, OverviewView, TaskManagerView } from '@mesoflow/web-api';
import type { SchedulerStatusInfo, WorkerInfo, WorkerList } from '@mesoflow/resourcemanager-client';

export function frameworkView(status: SchedulerStatusInfo): FrameworkView {
  return { name: status.frameworkName, id: status.frameworkId, master: status.master, leader: status.leader, subscribed: status.subscribed };
}

export function mesosView(status: SchedulerStatusInfo): MesosView {
  return {
    framework: frameworkView(status),
    suppressed: status.suppressed,
    offers: { received: status.offersReceived, accepted: status.offersAccepted, declined: status.offersDeclined, rescinded: status.offersRescinded },
    offerHistory: status.offerHistory.map(({ startMs, received, accepted, declined }) => ({ startMs, received, accepted, declined })),
    offerIntervalMs: status.offerHistoryIntervalMs,
    pendingWorkers: status.pendingWorkers,
    desiredWorkers: status.desiredWorkers,
    reconciliationRounds: status.reconciliationRounds,
    resubscriptions: status.resubscriptions,
    failedTasks: status.failedTasks,
    maximumFailedTasks: status.maximumFailedTasks,
    startedAtMs: status.startedAtMs,
  };
}

/**
 * The Mesos web UI's page of a task's sandbox (the master's UI redirects to the agent), or
 * undefined while the leading master, the agent or the framework is not known.
 */
export function sandboxUrl(where: { leader: string; agentId: string; frameworkId: string; taskId: string }): string | undefined {
  const { leader, agentId, frameworkId, taskId } = where;
  if (leader === '' || agentId === '' || frameworkId === '' || taskId === '') return undefined;
  const id = encodeURIComponent;
  return `http://${leader}/#/agents/${id(agentId)}/frameworks/${id(frameworkId)}/executors/${id(taskId)}/browse`;
}

/**
 * A row of the TaskManagers page. The sandbox link needs the leading master from the status; a
 * worker keeps the framework id it was launched under, the status' is the fallback.
 */
export function taskManagerView(worker: WorkerInfo, status: SchedulerStatusInfo): TaskManagerView {
  const url = sandboxUrl({ leader: status.leader, agentId: worker.agentId, frameworkId: worker.frameworkId !== '' ? worker.frameworkId : status.frameworkId, taskId: worker.taskId });
  const taskManager = worker.taskManager;
  return {
    taskId: worker.taskId,
    workerState: worker.state.toUpperCase(),
    taskState: worker.taskState,
    agentId: worker.agentId,
    hostname: worker.hostname,
    ports: [...worker.ports],
    resources: { cpus: worker.resources.cpus, memMb: worker.resources.memMb, diskMb: worker.resources.diskMb, gpus: worker.resources.gpus },
    failureCount: worker.failureCount,
    launchedAtMs: worker.launchedAtMs,
    ...(url === undefined ? {} : { sandboxUrl: url }),
    ...(taskManager === undefined
      ? {}
      : {
          taskManager: {
            rpcAddress: taskManager.rpcAddress,
            dataAddress: taskManager.dataAddress,
            slotsTotal: taskManager.slotsTotal,
            slotsFree: taskManager.slotsFree,
            heartbeatAgeMs: taskManager.lastHeartbeatAgeMs,
            registeredAtMs: taskManager.registeredAtMs,
          },
        }),
    history: worker.history.map(({ atMs, state, detail }) => ({ atMs, state, ...(detail === undefined || detail === '' ? {} : { detail }) })),
  };
}

/** What the overview shows of the jobs. */
export interface JobsOverview {
  readonly jobsByState: Readonly<Record<JobStateName, number>>;
  readonly recentFailures: readonly JobSummaryView[];
}

/** The scheduler's part of the overview: its answers, or why there are none. */
export type SchedulerReading = { readonly status: SchedulerStatusInfo; readonly workers: WorkerList } | { readonly error: string };

/** The first page: the cluster's jobs, TaskManagers and framework, or the scheduler's error. */
export function overviewView(cluster: string, authRequired: boolean, jobs: JobsOverview, scheduler: SchedulerReading): OverviewView {
  const base = { cluster, authRequired, jobsByState: jobs.jobsByState, recentFailures: jobs.recentFailures };
  if ('error' in scheduler) {
    return { ...base, schedulerError: scheduler.error, taskManagers: { registered: 0, slotsTotal: 0, slotsFree: 0 }, workers: { desired: 0, launched: 0, pending: 0 } };
  }
  const { status, workers } = scheduler;
  const registered = workers.workers.flatMap((worker) => (worker.taskManager === undefined ? [] : [worker.taskManager]));
  return {
    ...base,
    framework: frameworkView(status),
    taskManagers: {
      registered: registered.length,
      slotsTotal: registered.reduce((sum, taskManager) => sum + taskManager.slotsTotal, 0),
      slotsFree: registered.reduce((sum, taskManager) => sum + taskManager.slotsFree, 0),
    },
    workers: {
      desired: status.desiredWorkers,
      launched: workers.workers.filter((worker) => worker.state === 'Launched').length,
      pending: status.pendingWorkers,
    },
  };
}
