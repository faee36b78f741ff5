// What the scheduler's placement sees when it runs against the local Mesos stand-in: one offer
// per agent, its resources unreserved (role `*`), one ports range. Shared by the placement and
// scheduler benchmarks so that both measure the same decision.
import type { PendingWorker } from '@mesoflow/mesos-placement';
import { mesos } from '@mesoflow/proto';

/** The agents' resources, as `bin/mesos-local --resources` takes them. */
export const STAND_IN_AGENT_RESOURCES = 'cpus:4;mem:8192;disk:20000;ports:[31000-32000]';

/** One offer per agent of `agents`, as the stand-in sends them; `serial` makes the IDs distinct. */
export function standInOffers(serial: number, agents: number): mesos.v1.Offer.$Properties[] {
  const scalar = (name: string, value: number): mesos.v1.Resource.$Properties => ({
    name,
    type: mesos.v1.Value.Type.SCALAR,
    scalar: { value },
    role: '*',
    allocation_info: { role: '*' },
  });
  return Array.from({ length: agents }, (_, i) => ({
    id: { value: `offer-${serial}-${i}` },
    framework_id: { value: 'fw' },
    agent_id: { value: `agent-${serial % 7}-${i}` },
    hostname: `agent-${i}.local`,
    resources: [
      scalar('cpus', 4),
      scalar('mem', 8192),
      scalar('disk', 20000),
      {
        name: 'ports',
        type: mesos.v1.Value.Type.RANGES,
        ranges: { range: [{ begin: 31000, end: 32000 }] },
        role: '*',
        allocation_info: { role: '*' },
      },
    ],
    allocation_info: { role: '*' },
  }));
}

/** `count` pending workers as the scheduler lists them: a profile object each, oldest first. */
export function pendingWorkers(count: number, profile: { cpus: number; mem: number; ports: number }): PendingWorker[] {
  return Array.from({ length: count }, (_, i) => ({
    workerId: `taskmanager-${String(i + 1).padStart(5, '0')}`,
    profile: { ...profile },
    requestedAt: i + 1,
  }));
}
