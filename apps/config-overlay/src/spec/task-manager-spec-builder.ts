import type { ConfigValues, MesoflowConfig } from '@mesoflow/config';
import type { ArtifactPublisher } from '@mesoflow/artifacts-client';
import type { GetTaskManagerSpecRequest, ShippedArtifactMessage, TaskManagerSpecMessage } from '../grpc/messages';
import { isArtifactPath, type ConfigurationOverlay, type FetchUri, type OverlayContext } from '../overlays/overlay';
import { OverlayError, OverlayErrorCode } from '../overlays/overlay-error';
import { TaskManagerConfOverlay } from '../overlays/taskmanager-conf-overlay';
import { taskManagerCommand, taskManagerHostname } from './command';
import { taskManagerContainer } from './container';
import { assignPorts } from './ports';
import { taskManagerResources } from './resources';

/**
 * Builds TaskManager specs: runs the overlays in order, then ships the TaskManager's
 * configuration with their overrides and the assigned ports, then puts command, resources,
 * container, labels and hostname together in the shape of a Mesos TaskInfo.
 */
export class TaskManagerSpecBuilder {
  private readonly conf = new TaskManagerConfOverlay();

  constructor(
    private readonly config: MesoflowConfig,
    private readonly publisher: ArtifactPublisher,
    private readonly overlays: readonly ConfigurationOverlay[],
  ) {}

  async build(request: GetTaskManagerSpecRequest): Promise<TaskManagerSpecMessage> {
    const taskId = request.task_id ?? '';
    // The task ID is only put in the spec and the environment, but Mesos and the hostname
    // pattern need something plain; the artifact server's path alphabet is a safe subset.
    if (taskId === '' || !isArtifactPath(taskId) || taskId.includes('/')) {
      throw new OverlayError(OverlayErrorCode.INVALID_REQUEST, `Task ID '${taskId}' is not valid; use letters, digits and '._+@=,~-'`);
    }
    const ports = assignPorts(this.config, request.ports ?? []);
    const context: OverlayContext = { config: this.config, taskId, publisher: this.publisher };
    const uris: FetchUri[] = [];
    const artifacts: ShippedArtifactMessage[] = [];
    let overrides: ConfigValues = { ...ports.overrides };
    for (const overlay of this.overlays) {
      const contribution = await overlay.contribute(context);
      uris.push(...contribution.uris);
      artifacts.push(...contribution.artifacts);
      overrides = { ...overrides, ...contribution.confOverrides };
    }
    const conf = await this.conf.contribute(context, overrides);
    uris.push(...conf.uris);
    artifacts.push(...conf.artifacts);

    const labels = this.config.get('mesos.resourcemanager.tasks.labels') ?? [];
    return {
      task_id: taskId,
      command: taskManagerCommand(this.config, taskId, uris),
      resources: taskManagerResources(this.config, ports.ports),
      container: taskManagerContainer(this.config),
      labels: { labels: labels.map(({ key, value }) => ({ key, value })) },
      hostname: taskManagerHostname(this.config, taskId),
      artifacts,
    };
  }
}
