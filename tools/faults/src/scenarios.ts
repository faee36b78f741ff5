// The faults, one per scenario: what is broken, how, and what "recovered" means beyond healthy
// workers. Fault timing and victims come from the suite's seeded random numbers.
import { stateFrameworks, type StateTask } from '@mesoflow/mesos-local';
import { waitFor } from '@mesoflow/testing';
import { ZooKeeperConnection } from '@mesoflow/zk-store';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ZK_SESSION_TIMEOUT_MS, type Stack, type WorkerCheck } from './stack';

/** What a scenario's fault needs. */
export interface FaultContext {
  readonly stack: Stack;
  /** Seeded, uniform in [0, 1). */
  readonly random: () => number;
  readonly log: (line: string) => void;
}

/** A fault that was injected. */
export interface Injected {
  /** `performance.now()` from which recovery is timed: the kill, or the end of a partition. */
  readonly recoveryFrom: number;
  /** What must hold, beyond healthy workers and an answering gateway, for the service to count as recovered. */
  readonly recovered?: (check: WorkerCheck) => boolean | Promise<boolean>;
  /**
   * The standby has taken over (`takeover_s`): it leads, its framework is subscribed, and the
   * TaskManagers registered before the kill are registered with it. Recovery may take longer,
   * for TaskManagers that were still starting at the kill.
   */
  readonly tookOver?: (check: WorkerCheck) => boolean | Promise<boolean>;
  /** Undoes the fault once the service recovered without it (a killed standby comes back, as Marathon restarts it). */
  readonly afterRecovery?: () => Promise<void>;
}

/** A scenario the system supports today. */
export interface Scenario {
  readonly name: string;
  /** Run on a cluster with `high-availability: zookeeper`. */
  readonly ha: boolean;
  /** Application masters side by side, all but one standing by. @default 1 */
  readonly appMasters?: number;
  /** Agents the stack needs for `trials` trials. */
  agents(trials: number): number;
  inject(context: FaultContext): Promise<Injected>;
}

const twoAgents = (): number => 2;

function pick<T>(items: readonly T[], random: () => number): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('nothing to pick from');
  return item;
}

/** The process id of a running task, as its TASK_RUNNING status reports it. */
function taskPid(task: StateTask): number | undefined {
  const statuses = (task as StateTask & { statuses?: Array<{ container_status?: { executor_pid?: number } }> }).statuses ?? [];
  return statuses.map((status) => status.container_status?.executor_pid).find((pid) => pid !== undefined);
}

function runningTasks(context: FaultContext): StateTask[] {
  const { cluster } = context.stack;
  return stateFrameworks(cluster.mesos.state())
    .filter((framework) => framework.name === cluster.frameworkName)
    .flatMap((framework) => framework.tasks)
    .filter((task) => task.state === 'TASK_RUNNING');
}

const redisRestart: Scenario = {
  name: 'redis-restart',
  ha: false,
  agents: twoAgents,
  inject: async ({ stack, log }) => {
    const at = performance.now();
    // SIGKILL, then the same port and data: acknowledged submissions are in the append-only file.
    await stack.cluster.redis.restart();
    log(`Redis killed with SIGKILL and restarted on port ${stack.cluster.redis.port} with its data`);
    return { recoveryFrom: at };
  },
};

const taskManagerKill: Scenario = {
  name: 'taskmanager-kill',
  ha: false,
  agents: twoAgents,
  inject: (context) => {
    const victim = pick(runningTasks(context), context.random);
    const pid = taskPid(victim);
    if (pid === undefined) return Promise.reject(new Error(`task '${victim.id}' reports no process id`));
    const at = performance.now();
    process.kill(pid, 'SIGKILL');
    context.log(`TaskManager '${victim.id}' (pid ${pid}) killed with SIGKILL`);
    return Promise.resolve({ recoveryFrom: at, recovered: (check: WorkerCheck) => !check.running.some((task) => task.id === victim.id) });
  },
};

const agentRemove: Scenario = {
  name: 'agent-remove',
  ha: false,
  // Each trial removes an agent for good.
  agents: (trials) => trials + 1,
  inject: async (context) => {
    const agentId = pick([...new Set(runningTasks(context).map((task) => task.slave_id))], context.random);
    const at = performance.now();
    await context.stack.cluster.mesos.removeAgent(agentId);
    context.log(`Agent '${agentId}' removed`);
    return { recoveryFrom: at, recovered: (check) => !check.running.some((task) => task.slave_id === agentId) };
  },
};

const agentUnreachable: Scenario = {
  name: 'agent-unreachable',
  ha: false,
  agents: twoAgents,
  inject: async (context) => {
    const { mesos } = context.stack.cluster;
    const agentId = pick([...new Set(runningTasks(context).map((task) => task.slave_id))], context.random);
    await mesos.disconnectAgent(agentId);
    context.log(`Agent '${agentId}' cut off from the master`);
    await waitFor(() => !runningTasks(context).some((task) => task.slave_id === agentId), { timeoutMs: 30_000, intervalMs: 100, description: `agent '${agentId}' to be unreachable` });
    const holdMs = Math.round(1_000 + context.random() * 3_000);
    context.log(`Agent '${agentId}' is unreachable; it comes back in ${holdMs} ms`);
    await sleep(holdMs);
    await mesos.reconnectAgent(agentId);
    context.log(`Agent '${agentId}' reconnected`);
    return { recoveryFrom: performance.now() };
  },
};

const masterRestart: Scenario = {
  name: 'mesos-master-restart',
  ha: false,
  agents: twoAgents,
  inject: async (context) => {
    const { mesos } = context.stack.cluster;
    const before = mesos.masterId;
    const downtimeMs = Math.round(context.random() * 2_000);
    const at = performance.now();
    await mesos.restartMaster({ downtimeMs });
    context.log(`Mesos master '${before}' failed over to '${mesos.masterId}' after ${downtimeMs} ms down`);
    return { recoveryFrom: at };
  },
};

const appMasterKill: Scenario = {
  name: 'appmaster-kill',
  ha: false,
  agents: twoAgents,
  inject: async (context) => {
    const { cluster } = context.stack;
    const at = performance.now();
    const pids = await cluster.killAppMaster();
    context.log(`Application master and its services (pids ${pids.join(', ')}) killed with SIGKILL`);
    // Marathon restarts a failed app after its backoff (1 s by default).
    await sleep(1_000);
    await cluster.startAppMaster();
    context.log(`Application master started again (pid ${cluster.appMasterPid() ?? '?'})`);
    return { recoveryFrom: at };
  },
};

const leaderKillStandbyTakeover: Scenario = {
  name: 'leader-kill-standby-takeover',
  ha: true,
  appMasters: 2,
  agents: twoAgents,
  inject: async (context) => {
    const { stack, log } = context;
    const before = await stack.leaders();
    const leader = before.scheduler;
    if (!leader) throw new Error('no application master of the stack leads the scheduler election');
    if (before.gateway !== leader) log(`The gateway leader is application master ${before.gateway?.index ?? '?'}, the scheduler leader ${leader.index}`);
    const { registered } = await stack.checkWorkers();
    const standbyLeads = async (): Promise<boolean> => {
      const now = await stack.leaders();
      return now.scheduler !== undefined && now.scheduler !== leader && now.gateway !== undefined && now.gateway !== leader;
    };
    const at = performance.now();
    const pids = await leader.kill();
    log(`Leading application master ${leader.index} and its services (pids ${pids.join(', ')}) killed with SIGKILL; its ZooKeeper sessions expire in ${ZK_SESSION_TIMEOUT_MS} ms`);
    return {
      recoveryFrom: at,
      // A TaskManager that ended meanwhile has nothing to register again (the suite checks it was replaced).
      tookOver: async (check) =>
        check.subscribed && registered.every((id) => check.registered.includes(id) || !check.running.some((task) => task.id === id)) && (await standbyLeads()),
      // Besides, as for every fault, the workers healthy: subscribed, all registered, none relaunched twice.
      recovered: standbyLeads,
      afterRecovery: async () => {
        await leader.start();
        log(`Application master ${leader.index} started again (pid ${leader.pid() ?? '?'}); it stands by`);
      },
    };
  },
};

const zooKeeperRestart: Scenario = {
  name: 'zookeeper-restart',
  ha: true,
  agents: twoAgents,
  inject: async ({ stack, log }) => {
    const zk = stack.zk;
    if (!zk) throw new Error('no ZooKeeper in this stack');
    const at = performance.now();
    await zk.restart();
    log(`ZooKeeper killed with SIGKILL and restarted with its data`);
    return { recoveryFrom: at };
  },
};

const zooKeeperSessionExpiry: Scenario = {
  name: 'zk-session-expiry',
  ha: true,
  agents: twoAgents,
  inject: async ({ stack, log }) => {
    const { zk, zkProxy } = stack;
    if (!zk || !zkProxy) throw new Error('no ZooKeeper in this stack');
    // Our own session, straight to the server: it watches the leader's latch node go.
    const observer = await ZooKeeperConnection.connect({ connectString: zk.connectString, sessionTimeoutMs: 10_000 });
    try {
      const latch = '/mesoflow/default/leader-latch';
      const before = (await observer.getChildren(latch)).sort();
      const leaderNode = before[0];
      if (leaderNode === undefined) throw new Error('no leader latch node');
      const at = performance.now();
      await zkProxy.cut();
      log(`The cluster is cut off from ZooKeeper; waiting for the leader's session (node '${leaderNode}') to expire`);
      await waitFor(async () => !(await observer.getChildren(latch)).includes(leaderNode), { timeoutMs: 30_000, intervalMs: 100, description: `latch node '${leaderNode}' to go` });
      log(`Session of '${leaderNode}' expired after ${((performance.now() - at) / 1000).toFixed(1)} s; the link is healed`);
      await zkProxy.heal();
      return {
        recoveryFrom: at,
        // A new leader holds the latch (the restarted scheduler, as nothing else stands by).
        recovered: async () => {
          const reader = await ZooKeeperConnection.connect({ connectString: zk.connectString, sessionTimeoutMs: 10_000 });
          try {
            const nodes = (await reader.getChildren(latch)).sort();
            return nodes.length > 0 && nodes[0] !== leaderNode;
          } finally {
            await reader.close();
          }
        },
      };
    } finally {
      await observer.close();
    }
  },
};

/** Every scenario the system supports, in the order the suite runs them. */
export const SCENARIOS: readonly Scenario[] = [
  redisRestart,
  taskManagerKill,
  agentRemove,
  agentUnreachable,
  masterRestart,
  appMasterKill,
  leaderKillStandbyTakeover,
  zooKeeperRestart,
  zooKeeperSessionExpiry,
];

/**
 * The short form's scenarios: fast ones, sharing one stack (with a standby application master, for
 * the takeover).
 */
export const SHORT_SCENARIOS: readonly string[] = ['taskmanager-kill', 'redis-restart', 'mesos-master-restart', 'leader-kill-standby-takeover'];

