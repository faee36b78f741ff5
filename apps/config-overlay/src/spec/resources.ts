import type { MesoflowConfig } from '@mesoflow/config';
import { mesos } from '@mesoflow/proto';

type Resource = mesos.v1.Resource.$Properties;

function scalar(name: string, value: number): Resource {
  return { name, type: mesos.v1.Value.Type.SCALAR, scalar: { value } };
}

/** Assigned ports as the fewest ranges, ascending. */
export function portRanges(ports: readonly number[]): Array<{ begin: number; end: number }> {
  const ranges: Array<{ begin: number; end: number }> = [];
  for (const port of [...ports].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    if (last && port === last.end + 1) last.end = port;
    else ranges.push({ begin: port, end: port });
  }
  return ranges;
}

/**
 * What one TaskManager asks of an offer: cpus (one per slot when `tasks.cpus` is 0) and mem
 * always; disk, gpus and network bandwidth only when configured above 0; and its assigned ports.
 * No role or allocation info: the master fills in the offer's.
 */
export function taskManagerResources(config: MesoflowConfig, ports: readonly number[]): Resource[] {
  const cpus = config.get('mesos.resourcemanager.tasks.cpus') || config.get('taskmanager.numberOfTaskSlots');
  const resources = [scalar('cpus', cpus), scalar('mem', config.get('mesos.resourcemanager.tasks.mem').mebibytes)];
  const disk = config.get('mesos.resourcemanager.tasks.disk').mebibytes;
  if (disk > 0) resources.push(scalar('disk', disk));
  const gpus = config.get('mesos.resourcemanager.tasks.gpus');
  if (gpus > 0) resources.push(scalar('gpus', gpus));
  const bandwidth = config.get('mesos.resourcemanager.tasks.network.bandwidth');
  if (bandwidth > 0) resources.push(scalar(config.get('mesos.resourcemanager.network.resource.name'), bandwidth));
  if (ports.length > 0) resources.push({ name: 'ports', type: mesos.v1.Value.Type.RANGES, ranges: { range: portRanges(ports) } });
  return resources;
}
