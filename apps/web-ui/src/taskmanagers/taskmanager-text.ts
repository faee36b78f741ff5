// How a TaskManager's resources and slots read in the table and on its page.
import type { TaskManagerView } from '@mesoflow/web-api';
import { formatCpus, formatMegabytes } from '../shell/format';

/** What Mesos gave the TaskManager: `1 CPU · 2.0 GB · 512 MB disk`, GPUs when it has any. */
export function resourcesText(resources: TaskManagerView['resources']): string {
  const parts = [`${formatCpus(resources.cpus)} CPU`, formatMegabytes(resources.memMb), `${formatMegabytes(resources.diskMb)} disk`];
  if (resources.gpus > 0) parts.push(`${resources.gpus} GPU`);
  return parts.join(' · ');
}

/** `1 free of 2`; a dash while no TaskManager registered for the worker. */
export function slotsText(taskManager: TaskManagerView['taskManager']): string {
  return taskManager === undefined ? '—' : `${taskManager.slotsFree} free of ${taskManager.slotsTotal}`;
}
