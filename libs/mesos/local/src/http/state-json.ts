import { toMesosJson } from '@mesoflow/mesos-codec';
import { mesos } from '@mesoflow/proto';
import { has } from '../proto-fields';
import type { MasterView } from '../master/master';
import { hasCapability, type FrameworkRecord, type TaskRecord } from '../master/model';
import { taskStateName } from '../master/task-states';
import { attributesToStateJson } from '../resources/resource-text';
import { Resources } from '../resources/resources';
import type { Leadership } from '../zk/leader-watch';

type Json = Record<string, unknown>;

const AGENT_CAPABILITIES = ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT', 'AGENT_OPERATION_FEEDBACK', 'AGENT_DRAINING', 'TASK_RESOURCE_LIMITS'];

/**
 * `GET /master/state` in the v0 JSON shape of the operator API (`slaves`, not `agents`):
 * master identity, agents with total/used/offered resources and attributes, frameworks with
 * tasks, completed tasks, offers and unreachable tasks, and completed frameworks.
 * @param flags the master flags to report (values as strings, like Mesos).
 * @param leadership who leads: `leader`/`leader_info` name that master (omitted when none is
 *   known) and `elected_time` is reported only by the leader.
 * @param electedTime when this master was elected, in seconds since the epoch.
 */
export function stateJson(
  master: MasterView,
  flags: Record<string, string>,
  leadership: Leadership = { kind: 'leading' },
  electedTime = master.identity.electedTime,
): Json {
  const { identity, config } = master;
  const pid = identity.info.pid ?? '';
  const leader = leadership.kind === 'standby' ? leadership.leader : { id: identity.id, pid, port: config.port, hostname: config.hostname };
  const leaderFields: Json =
    leadership.kind === 'no-leader'
      ? {}
      : {
          ...(leadership.kind === 'leading' ? { elected_time: electedTime } : {}),
          leader: leader.pid,
          leader_info: { id: leader.id, pid: leader.pid, port: leader.port, hostname: leader.hostname },
        };
  const agents = [...master.agents.values()];
  return {
    version: config.version,
    git_sha: '',
    git_tag: '',
    build_date: '',
    build_time: 0,
    build_user: '',
    start_time: identity.startTime,
    id: identity.id,
    pid,
    hostname: config.hostname,
    capabilities: ['AGENT_UPDATE', 'AGENT_DRAINING', 'QUOTA_V2'],
    activated_slaves: agents.filter((a) => a.status === 'active').length,
    deactivated_slaves: 0,
    unreachable_slaves: agents.filter((a) => a.status === 'unreachable').length,
    ...leaderFields,
    log_dir: '',
    flags,
    slaves: agents
      .filter((a) => a.status === 'active')
      .map((a) => {
        const agent = a.agent.config;
        const json: Json = {
          id: agent.id,
          pid: `slave(1)@${agent.ip}:${agent.port}`,
          hostname: agent.hostname,
          port: agent.port,
          registered_time: a.registeredTime / 1000,
          resources: a.total.toStateJson(),
          used_resources: a.used.toStateJson(),
          offered_resources: a.offered.toStateJson(),
          reserved_resources: reservedByRole(a.total),
          unreserved_resources: a.total.allocatableTo('*').toStateJson(),
          attributes: attributesToStateJson(agent.attributes),
          active: true,
          deactivated: false,
          version: config.version,
          capabilities: AGENT_CAPABILITIES,
        };
        if (a.reregisteredTime !== null) json.reregistered_time = a.reregisteredTime / 1000;
        return json;
      }),
    recovered_slaves: agents
      .filter((a) => a.status === 'recovering')
      .map((a) => ({ id: a.agent.id, hostname: a.agent.config.hostname, port: a.agent.config.port })),
    frameworks: [...master.frameworks.values()].map((f) => frameworkJson(master, f)),
    completed_frameworks: master.completedFrameworks.map((c) => frameworkJson(master, c.record)),
    orphan_tasks: [],
    unregistered_frameworks: [],
  };
}

function frameworkJson(master: MasterView, framework: FrameworkRecord): Json {
  const info = framework.info;
  const offered = new Resources();
  const offers = [...framework.offers].flatMap((id) => {
    const offer = master.offers.get(id);
    if (!offer) return [];
    offered.add(offer.resources);
    return [{
      id: offer.id,
      framework_id: offer.frameworkId,
      slave_id: offer.agentId,
      resources: offer.resources.toStateJson(),
      allocation_info: { role: offer.role },
    }];
  });
  const multiRole = hasCapability(info, mesos.v1.FrameworkInfo.Capability.Type.MULTI_ROLE);
  const connected = framework.connection.kind === 'connected';
  const json: Json = {
    id: framework.id,
    name: info.name,
    used_resources: framework.used.toStateJson(),
    offered_resources: offered.toStateJson(),
    capabilities: (info.capabilities ?? []).map((c) => mesos.v1.FrameworkInfo.Capability.Type[c.type ?? 0]),
    hostname: info.hostname ?? '',
    webui_url: info.webui_url ?? '',
    active: connected,
    connected,
    recovered: framework.connection.kind === 'recovered',
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    registered_time: framework.registeredTime,
    unregistered_time: framework.unregisteredTime,
    resources: framework.used.plus(offered).toStateJson(),
    tasks: [...framework.tasks.values()].map((t) => taskJson(t)),
    unreachable_tasks: [...framework.unreachableTasks.values()].map((t) => taskJson(t)),
    completed_tasks: framework.completedTasks.map((t) => taskJson(t)),
    offers,
    executors: [],
    offer_constraints: {},
  };
  if (multiRole) json.roles = framework.roles;
  else json.role = framework.roles[0] ?? '*';
  if (has(info, 'principal')) json.principal = info.principal;
  if (framework.reregisteredTime !== framework.registeredTime) json.reregistered_time = framework.reregisteredTime;
  if (info.labels) json.labels = toMesosJson(mesos.v1.Labels, info.labels).labels ?? [];
  return json;
}

function taskJson(task: TaskRecord): Json {
  const info = task.info;
  const json: Json = {
    id: info.task_id.value,
    name: info.name,
    framework_id: task.frameworkId,
    executor_id: info.executor?.executor_id?.value ?? '',
    slave_id: task.agentId,
    state: taskStateName(task.state),
    resources: task.resources.toStateJson(),
    role: task.role,
    statuses: task.statuses.map((status) => {
      const entry: Json = { state: taskStateName(status.state), timestamp: status.timestamp };
      if (status.container_status) entry.container_status = toMesosJson(mesos.v1.ContainerStatus, status.container_status);
      if (status.healthy != null) entry.healthy = status.healthy;
      return entry;
    }),
  };
  if (info.command?.user) json.user = info.command.user;
  if (info.labels) json.labels = toMesosJson(mesos.v1.Labels, info.labels).labels ?? [];
  if (info.discovery) json.discovery = toMesosJson(mesos.v1.DiscoveryInfo, info.discovery);
  if (info.container) json.container = toMesosJson(mesos.v1.ContainerInfo, info.container);
  if (info.health_check) json.health_check = toMesosJson(mesos.v1.HealthCheck, info.health_check);
  return json;
}

function reservedByRole(total: Resources): Record<string, Record<string, number | string>> {
  const roles = new Set(total.list().map((entry) => entry.role).filter((role) => role !== '*'));
  const json: Record<string, Record<string, number | string>> = {};
  for (const role of roles) json[role] = new Resources(total.list().filter((e) => e.role === role)).toStateJson();
  return json;
}
