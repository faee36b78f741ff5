import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { agentWorkDir, SimulatedAgent } from './cluster/simulated-agent';
import { LocalMesosError, LocalMesosErrorCode } from './errors';
import { createMasterHttpServer, type MasterHttpServer } from './http/server';
import { stateJson } from './http/state-json';
import { Master } from './master/master';
import type { AgentRecord } from './master/model';
import { taskStateName } from './master/task-states';
import { createMetrics } from './metrics';
import { resolveOptions, type LocalMesosOptions, type ResolvedOptions } from './options';
import { LeaderWatch, leadershipOf, type Leadership } from './zk/leader-watch';
import { MasterRegistration } from './zk/master-registration';

/** The Mesos release whose behaviour the stand-in follows. */
export const MESOS_VERSION = '1.11.0';

/** Options of {@link LocalMesos.restartMaster}. */
export interface RestartMasterOptions {
  /** How long the master stays down (connections refused) before the new one serves. @default 0 */
  downtimeMs?: number;
}

/** A running local Mesos: one master and its agents, in this process. */
export interface LocalMesos {
  /** `http://<hostname>:<port>`, the master's base URL. */
  readonly url: string;
  /** The port the master listens on. */
  readonly port: number;
  /** The current master's ID (a new one after {@link restartMaster}). */
  readonly masterId: string;
  /** The agents' IDs, in creation order. */
  readonly agentIds: readonly string[];
  /** The ZooKeeper node holding the master's MasterInfo, when registered. */
  readonly zkNode: string | null;
  /**
   * True while this master leads: always without ZooKeeper; with it, while its node has the
   * lowest sequence under the path. A standby answers scheduler calls with 307 to the leader.
   */
  readonly leading: boolean;
  /** The `/master/state` document (a standby's names the leader it redirects to). */
  state(): Record<string, unknown>;
  /** Removes an agent for good: its tasks go TASK_LOST, frameworks get FAILURE. */
  removeAgent(agentId: string): Promise<void>;
  /** Stops an agent's pongs and messages; after the ping timeouts it is marked unreachable. */
  disconnectAgent(agentId: string): Promise<void>;
  /** Brings a disconnected agent back; an unreachable one re-registers with its tasks. */
  reconnectAgent(agentId: string): Promise<void>;
  /** Fails the master over: all state but the agents is lost; agents re-register; frameworks must re-subscribe. */
  restartMaster(options?: RestartMasterOptions): Promise<void>;
  /** Breaks a framework's subscription connection. */
  dropStream(frameworkId: string): Promise<void>;
  /** Kills every task, closes every stream and connection, leaves ZooKeeper. */
  stop(): Promise<void>;
}

/**
 * Starts a master and agents that speak the Mesos v1 scheduler HTTP API on a local port.
 * @throws LocalMesosError for invalid options or a failed ZooKeeper registration.
 */
export async function startLocalMesos(options: LocalMesosOptions): Promise<LocalMesos> {
  const resolved = await resolveOptions(options);
  const cluster = new LocalMesosCluster(resolved);
  try {
    await cluster.start();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

type ClusterState = { kind: 'created' } | { kind: 'running'; port: number } | { kind: 'stopped' };

class LocalMesosCluster implements LocalMesos {
  private state_: ClusterState = { kind: 'created' };
  private readonly master: Master;
  private readonly http: MasterHttpServer;
  private readonly registration: MasterRegistration | null;
  private readonly watch: LeaderWatch | null;
  /** When this master last became the leader (seconds since the epoch), while it leads. */
  private electedTime: number | null = null;
  private readonly agents = new Map<string, SimulatedAgent>();

  constructor(private readonly options: ResolvedOptions) {
    const logger = options.logger;
    const metrics = createMetrics(() => this.tasksByState());
    this.master = new Master(
      {
        hostname: options.hostname,
        ip: options.ip,
        port: options.port,
        version: MESOS_VERSION,
        allocationIntervalMs: options.allocationIntervalMs,
        offerTimeoutMs: options.offerTimeoutMs,
        heartbeatIntervalSeconds: options.heartbeatIntervalSeconds,
        agentPingTimeoutMs: options.agentPingTimeoutMs,
        maxAgentPingTimeouts: options.maxAgentPingTimeouts,
        agentReregisterTimeoutMs: options.agentReregisterTimeoutMs,
        agentReregisterDelayMs: options.agentReregisterDelayMs,
        maxCompletedFrameworks: 50,
        maxCompletedTasksPerFramework: 1000,
        maxUnreachableTasksPerFramework: 1000,
      },
      logger.child({ component: 'master' }),
      metrics,
    );
    this.http = createMasterHttpServer({
      master: this.master,
      credentials: options.credentials,
      metrics,
      logger: logger.child({ component: 'http' }),
      leadership: () => this.leadership(),
      state: () => this.state(),
      controls: this,
    });
    const zkLogger = logger.child({ component: 'zookeeper' });
    this.registration = options.zk ? new MasterRegistration(options.zk, zkLogger) : null;
    this.watch = options.zk ? new LeaderWatch(options.zk, zkLogger, () => this.onLeaderChange()) : null;
  }

  get url(): string {
    return `http://${this.options.hostname}:${this.port}`;
  }

  get port(): number {
    return this.state_.kind === 'running' ? this.state_.port : this.options.port;
  }

  get masterId(): string {
    return this.master.identity.id;
  }

  get agentIds(): readonly string[] {
    return [...this.agents.keys()];
  }

  get zkNode(): string | null {
    return this.registration?.nodePath ?? null;
  }

  get leading(): boolean {
    return this.leadership().kind === 'leading';
  }

  async start(): Promise<void> {
    const port = await this.listen(this.options.port);
    this.state_ = { kind: 'running', port };
    // The advertised port is only known once listening on port 0.
    this.master.setPort(port);
    this.options.flags.port = String(port);
    const logger = this.options.logger;
    const firstMasterId = this.master.identity.id;
    this.options.agents.forEach((spec, index) => {
      const id = `${firstMasterId}-S${index}`;
      const agent = new SimulatedAgent(
        {
          id,
          hostname: spec.hostname,
          ip: this.options.ip,
          port: 5051 + index,
          resources: spec.resources,
          attributes: spec.attributes,
          workDir: agentWorkDir(this.options.workDir, index),
          fetcherCacheDir: join(this.options.workDir, 'fetch'),
          retry: { initialMs: this.options.statusUpdateRetryMs, maxMs: this.options.statusUpdateMaxRetryMs },
        },
        this.master,
        logger.child({ component: 'agent', agentId: id }),
      );
      this.agents.set(id, agent);
      this.master.addAgent(agent);
    });
    this.master.start();
    if (this.registration && this.watch) {
      const node = await this.registration.register(this.master.identity.info);
      await this.watch.start();
      await this.watch.seen(node);
    }
    this.onLeaderChange();
    logger.info(`Local Mesos master '${this.masterId}' is serving ${this.agents.size} agents at '${this.url}'`);
  }

  state(): Record<string, unknown> {
    const electedTime = Math.max(this.master.identity.electedTime, this.electedTime ?? 0);
    return stateJson(this.master, this.options.flags, this.leadership(), electedTime);
  }

  async removeAgent(agentId: string): Promise<void> {
    const record = this.record(agentId);
    if (record.status === 'removed') throw new LocalMesosError(LocalMesosErrorCode.INVALID_AGENT_STATE, `Agent '${agentId}' is already removed`);
    this.master.removeAgent(record);
    await record.agent.stop();
  }

  disconnectAgent(agentId: string): Promise<void> {
    return settle(() => {
      const record = this.record(agentId);
      if (record.status === 'removed') throw new LocalMesosError(LocalMesosErrorCode.INVALID_AGENT_STATE, `Agent '${agentId}' is removed`);
      record.agent.partition();
      this.options.logger.info(`Agent '${agentId}' is cut off from the master`);
    });
  }

  reconnectAgent(agentId: string): Promise<void> {
    return settle(() => {
      const record = this.record(agentId);
      if (record.status === 'removed') {
        throw new LocalMesosError(LocalMesosErrorCode.INVALID_AGENT_STATE, `Agent '${agentId}' was removed; a removed agent cannot re-register`);
      }
      record.agent.heal();
      if (record.status === 'active') record.agent.resumeUpdates();
      else this.master.reregisterIfRecovering(record);
      this.options.logger.info(`Agent '${agentId}' can reach the master again`);
    });
  }

  async restartMaster(options: RestartMasterOptions = {}): Promise<void> {
    this.assertRunning();
    this.master.failoverMaster();
    this.http.destroyConnections();
    const downtime = options.downtimeMs ?? 0;
    if (downtime > 0) {
      const port = this.port;
      await new Promise<void>((resolve) => this.http.server.close(() => resolve()));
      await delay(downtime);
      if (this.state_.kind !== 'running') return;
      await this.listen(port);
    }
    if (this.registration && this.watch) {
      const node = await this.registration.register(this.master.identity.info);
      await this.watch.seen(node);
    }
  }

  dropStream(frameworkId: string): Promise<void> {
    return settle(() => {
      if (!this.master.dropStream(frameworkId)) {
        throw new LocalMesosError(LocalMesosErrorCode.UNKNOWN_FRAMEWORK, `Framework '${frameworkId}' has no open subscription`);
      }
    });
  }

  async stop(): Promise<void> {
    if (this.state_.kind === 'stopped') return;
    const wasRunning = this.state_.kind === 'running';
    this.state_ = { kind: 'stopped' };
    this.master.stop();
    await Promise.allSettled([...this.agents.values()].map((agent) => agent.stop()));
    if (wasRunning) {
      const closed = new Promise<void>((resolve) => this.http.server.close(() => resolve()));
      this.http.destroyConnections();
      await closed;
    }
    await this.watch?.close();
    await this.registration?.close();
    this.options.logger.info(`Local Mesos master '${this.masterId}' stopped`);
  }

  /** Where this master stands among those contending under its ZooKeeper path. */
  private leadership(): Leadership {
    if (!this.registration || !this.watch) return { kind: 'leading' };
    const { hostname, port } = this.master.config;
    return leadershipOf(this.watch.leader, { node: this.registration.nodePath, hostname, port });
  }

  /**
   * Notes a change of leader. A standby that takes over starts like a freshly elected Mesos
   * master: its framework table is empty (it never served one), so frameworks re-subscribe.
   */
  private onLeaderChange(): void {
    if (this.state_.kind !== 'running') return;
    const leadership = this.leadership();
    const logger = this.options.logger;
    if (leadership.kind === 'leading') {
      if (this.electedTime !== null) return;
      this.electedTime = Date.now() / 1000;
      logger.info(`Master '${this.masterId}' is the leading master`);
      return;
    }
    this.electedTime = null;
    if (leadership.kind === 'standby') {
      logger.info(`Master '${this.masterId}' is a standby; redirecting schedulers to leader '${leadership.leader.pid}'`);
    }
  }

  private async listen(port: number): Promise<number> {
    const server = this.http.server;
    server.listen(port, this.options.host);
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  }

  private record(agentId: string): AgentRecord {
    this.assertRunning();
    const record = this.master.agents.get(agentId);
    if (!record) throw new LocalMesosError(LocalMesosErrorCode.UNKNOWN_AGENT, `No agent '${agentId}' in this cluster`);
    return record;
  }

  private assertRunning(): void {
    if (this.state_.kind !== 'running') throw new LocalMesosError(LocalMesosErrorCode.STOPPED, 'The local Mesos cluster is not running');
  }

  private tasksByState(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const framework of this.master.frameworks.values()) {
      for (const task of framework.tasks.values()) {
        const name = taskStateName(task.state);
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    }
    return counts;
  }
}

/** Runs a synchronous control and reports its outcome as a promise (a throw becomes a rejection). */
function settle(action: () => void): Promise<void> {
  try {
    action();
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
