import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { mesos } from '@mesoflow/proto';
import { launchCommandTask, sharedTaskLauncher, type CommandTaskHandle, type CommandTaskUpdate } from '../agent';
import type { Attribute } from '../resources/resource-text';
import { Resources } from '../resources/resources';
import { isTerminalState, newStatusUuid } from '../master/task-states';
import { StatusUpdateManager, type PendingUpdate, type StatusUpdateRetry } from './status-update-manager';

type TaskInfo = mesos.v1.TaskInfo.$Properties;
type FrameworkInfo = mesos.v1.FrameworkInfo.$Properties;
type TaskStatus = mesos.v1.TaskStatus.$Properties;

const S = mesos.v1.TaskState;
const Capability = mesos.v1.FrameworkInfo.Capability.Type;

/** How an agent reaches the master (one process: a function call that may be "lost"). */
export interface MasterLink {
  /** A status update forwarded by the agent's status update manager. */
  statusUpdate(agentId: string, update: PendingUpdate, latestState: mesos.v1.TaskState): void;
}

/** What an agent is configured with. */
export interface SimulatedAgentConfig {
  id: string;
  hostname: string;
  /** The IP reported in `container_status` and offers' URLs. */
  ip: string;
  /** The agent's (nominal) libprocess port; nothing listens on it. */
  port: number;
  resources: Resources;
  attributes: Attribute[];
  /** This agent's `--work_dir`. */
  workDir: string;
  fetcherCacheDir?: string;
  retry: StatusUpdateRetry;
}

/** A task as the agent knows it. */
export interface AgentTask {
  readonly frameworkId: string;
  readonly info: TaskInfo;
  readonly role: string;
  readonly resources: Resources;
  readonly containerId: string;
  /** The newest state the executor reported (`TASK_STAGING` before any). */
  state: mesos.v1.TaskState;
  /** The newest status, for re-registration. */
  lastStatus: TaskStatus | null;
  handle: CommandTaskHandle | null;
}

/** What an agent reports about one framework when it (re-)registers. */
export interface AgentFrameworkReport {
  frameworkId: string;
  info: FrameworkInfo;
  tasks: AgentTask[];
}

/** Whether the agent can talk to the master. */
type LinkState = 'up' | 'partitioned';

/**
 * One simulated Mesos agent: runs command tasks through the agent module, turns their progress
 * into acknowledged status updates, and reports its tasks when it re-registers.
 */
export class SimulatedAgent {
  private link: LinkState = 'up';
  private readonly frameworks = new Map<string, { info: FrameworkInfo; tasks: Map<string, AgentTask> }>();
  private readonly updates: StatusUpdateManager;
  private readonly running = new Set<Promise<unknown>>();

  /**
   * @param config the agent's identity and resources.
   * @param master where status updates go.
   * @param logger the agent's logger.
   */
  constructor(
    readonly config: SimulatedAgentConfig,
    private readonly master: MasterLink,
    private readonly logger: Logger,
  ) {
    this.updates = new StatusUpdateManager(config.retry, (update, latest) => {
      // A partitioned agent's messages never arrive; its retries keep going.
      if (this.link === 'up') this.master.statusUpdate(this.config.id, update, latest);
    });
    // Ready before the first task rather than delaying it.
    sharedTaskLauncher().start();
  }

  /** The agent ID. */
  get id(): string {
    return this.config.id;
  }

  /** True while the agent can reach the master. */
  get isReachable(): boolean {
    return this.link === 'up';
  }

  /** Status updates not yet acknowledged. */
  get pendingUpdates(): number {
    return this.updates.pendingCount;
  }

  /** Cuts the agent off from the master (no pongs, no messages either way). */
  partition(): void {
    this.link = 'partitioned';
    this.updates.pause();
  }

  /** Restores the link; pending updates are resent when the master re-admits the agent. */
  heal(): void {
    this.link = 'up';
  }

  /** Resends every pending update at once (after (re-)registration). */
  resumeUpdates(): void {
    this.updates.resume();
  }

  /** The agent's frameworks and their tasks, as sent in a re-registration. */
  report(): AgentFrameworkReport[] {
    return [...this.frameworks].map(([frameworkId, framework]) => ({
      frameworkId,
      info: framework.info,
      tasks: [...framework.tasks.values()],
    }));
  }

  /** A task the agent knows, if any. */
  task(frameworkId: string, taskId: string): AgentTask | undefined {
    return this.frameworks.get(frameworkId)?.tasks.get(taskId);
  }

  /** `RunTaskMessage`: starts a command task (lost if the agent is partitioned). */
  runTask(frameworkId: string, frameworkInfo: FrameworkInfo, info: TaskInfo, role: string): void {
    if (this.link !== 'up') return;
    const framework = this.frameworkEntry(frameworkId, frameworkInfo);
    const task: AgentTask = {
      frameworkId,
      info,
      role,
      resources: Resources.fromProto(info.resources),
      containerId: randomUUID(),
      state: S.TASK_STAGING,
      lastStatus: null,
      handle: null,
    };
    const taskId = info.task_id.value;
    framework.tasks.set(taskId, task);
    if (!info.command) {
      // The stand-in has no executor binary to run custom executors with.
      this.agentUpdate(task, S.TASK_FAILED, 'REASON_CONTAINER_LAUNCH_FAILED', 'Failed to launch container: custom executors are not supported by the local Mesos stand-in');
      return;
    }
    const handle = launchCommandTask(
      {
        frameworkId,
        frameworkUser: info.command.user || frameworkInfo.user,
        agentId: this.config.id,
        frameworkCheckpoint: frameworkInfo.checkpoint ?? false,
        agentHostname: this.config.hostname,
        agentIp: this.config.ip,
        agentPort: this.config.port,
        executorId: taskId,
        containerId: task.containerId,
        task: info,
        workDir: this.config.workDir,
        fetcherCacheDir: this.config.fetcherCacheDir,
      },
      (update) => this.executorUpdate(task, update),
      { logger: this.logger },
    );
    task.handle = handle;
    const done = handle.done.catch((error: unknown) => {
      this.logger.error({ err: error }, `Command task '${taskId}' of framework '${frameworkId}' failed unexpectedly`);
      if (!isTerminalState(task.state)) {
        this.agentUpdate(task, S.TASK_FAILED, 'REASON_EXECUTOR_TERMINATED', 'Abnormal executor termination');
      }
    });
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
  }

  /** `KillTaskMessage`: SIGTERM then SIGKILL after the grace period. */
  killTask(frameworkId: string, taskId: string, killPolicy?: mesos.v1.KillPolicy.$Properties | null): void {
    if (this.link !== 'up') return;
    const task = this.task(frameworkId, taskId);
    if (!task || isTerminalState(task.state)) return;
    // KILL's own policy overrides the task's; the handle falls back to the task's, then 3 s.
    const grace = killPolicy?.grace_period?.nanoseconds;
    if (task.handle) task.handle.kill(grace == null ? undefined : Number(grace) / 1e6);
    else this.agentUpdate(task, S.TASK_KILLED, 'REASON_TASK_KILLED_DURING_LAUNCH', 'Task killed before delivery to the executor');
  }

  /** `ShutdownExecutorMessage`; for command tasks the executor ID is the task ID. */
  shutdownExecutor(frameworkId: string, executorId: string): void {
    this.killTask(frameworkId, executorId);
  }

  /**
   * `ShutdownFrameworkMessage`: kills all of the framework's tasks and forgets their updates
   * (the master has removed the framework, so nobody would acknowledge them).
   */
  shutdownFramework(frameworkId: string): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    this.frameworks.delete(frameworkId);
    this.updates.dropFramework(frameworkId);
    for (const task of framework.tasks.values()) {
      if (!isTerminalState(task.state)) task.handle?.kill(0);
    }
  }

  /** `UpdateFrameworkMessage`: new FrameworkInfo, then resend pending updates at once. */
  updateFramework(frameworkId: string, info: FrameworkInfo): void {
    if (this.link !== 'up') return;
    const framework = this.frameworks.get(frameworkId);
    if (framework) framework.info = info;
    this.updates.resend(frameworkId);
  }

  /**
   * An acknowledgement forwarded by the master; returns the acknowledged update or `null` when it
   * did not match the pending one.
   */
  acknowledge(frameworkId: string, taskId: string, uuid: Uint8Array): PendingUpdate | null {
    if (this.link !== 'up') return null;
    const acked = this.updates.acknowledge(frameworkId, taskId, uuid);
    if (acked && isTerminalState(acked.status.state)) {
      // The terminal update is through: the agent forgets the task.
      this.frameworks.get(frameworkId)?.tasks.delete(taskId);
    }
    return acked;
  }

  /** Kills every task and waits for them to end. */
  async stop(): Promise<void> {
    this.updates.stop();
    for (const framework of this.frameworks.values()) {
      for (const task of framework.tasks.values()) {
        if (!isTerminalState(task.state)) task.handle?.kill(0);
      }
    }
    await Promise.allSettled([...this.running]);
  }

  private frameworkEntry(frameworkId: string, info: FrameworkInfo): { info: FrameworkInfo; tasks: Map<string, AgentTask> } {
    let framework = this.frameworks.get(frameworkId);
    if (!framework) {
      framework = { info, tasks: new Map() };
      this.frameworks.set(frameworkId, framework);
    }
    return framework;
  }

  private executorUpdate(task: AgentTask, update: CommandTaskUpdate): void {
    const state = S[update.state];
    const framework = this.frameworks.get(task.frameworkId);
    if (!framework) return;
    // The command executor sends TASK_KILLING only to frameworks that asked for it.
    if (state === S.TASK_KILLING && !hasCapability(framework.info, Capability.TASK_KILLING_STATE)) return;
    const source = update.source === 'SOURCE_AGENT' ? mesos.v1.TaskStatus.Source.SOURCE_AGENT : mesos.v1.TaskStatus.Source.SOURCE_EXECUTOR;
    const status = this.status(task, state, source, update.reason, update.message);
    if (update.containerStatus) status.container_status = update.containerStatus;
    else if (state === S.TASK_RUNNING) status.container_status = this.containerStatus(task);
    this.record(task, status);
  }

  private agentUpdate(task: AgentTask, state: mesos.v1.TaskState, reason: keyof typeof mesos.v1.TaskStatus.Reason, message: string): void {
    this.record(task, this.status(task, state, mesos.v1.TaskStatus.Source.SOURCE_AGENT, reason, message));
  }

  private status(
    task: AgentTask,
    state: mesos.v1.TaskState,
    source: mesos.v1.TaskStatus.Source,
    reason: string | undefined,
    message: string | undefined,
  ): TaskStatus {
    const taskId = task.info.task_id.value;
    const status: TaskStatus = {
      task_id: { value: taskId },
      state,
      source,
      agent_id: { value: this.config.id },
      executor_id: { value: taskId },
      timestamp: Date.now() / 1000,
      uuid: newStatusUuid(),
    };
    if (message) status.message = message;
    const reasonValue = reason ? mesos.v1.TaskStatus.Reason[reason as keyof typeof mesos.v1.TaskStatus.Reason] : undefined;
    if (reasonValue !== undefined) status.reason = reasonValue;
    return status;
  }

  private containerStatus(task: AgentTask): mesos.v1.ContainerStatus.$Properties {
    return {
      container_id: { value: task.containerId },
      network_infos: [{ ip_addresses: [{ protocol: mesos.v1.NetworkInfo.Protocol.IPv4, ip_address: this.config.ip }] }],
    };
  }

  private record(task: AgentTask, status: TaskStatus): void {
    task.state = status.state;
    task.lastStatus = status;
    this.updates.update(task.frameworkId, status);
  }
}

function hasCapability(info: FrameworkInfo, type: mesos.v1.FrameworkInfo.Capability.Type): boolean {
  return (info.capabilities ?? []).some((capability) => capability.type === type);
}

/** The `--work_dir` of agent number `index` under the cluster's work dir. */
export function agentWorkDir(clusterWorkDir: string, index: number): string {
  return join(clusterWorkDir, `agent-${index}`);
}
