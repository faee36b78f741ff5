import type { MesoflowConfig, VolumeSpec } from '@mesoflow/config';
import { mesos } from '@mesoflow/proto';

type ContainerInfo = mesos.v1.ContainerInfo.$Properties;
type Volume = mesos.v1.Volume.$Properties;

function volume(spec: VolumeSpec): Volume {
  return {
    container_path: spec.containerPath,
    ...(spec.hostPath === undefined ? {} : { host_path: spec.hostPath }),
    mode: spec.mode === 'RO' ? mesos.v1.Volume.Mode.RO : mesos.v1.Volume.Mode.RW,
  };
}

/**
 * The TaskManager's container: the Mesos containerizer with no image (the distribution comes
 * through the fetcher), or Docker with the configured image, pull policy and `docker run`
 * parameters; the configured volumes either way. The registry has already checked that
 * `docker` comes with an image name.
 */
export function taskManagerContainer(config: MesoflowConfig): ContainerInfo {
  const volumes = (config.get('mesos.resourcemanager.tasks.container.volumes') ?? []).map(volume);
  const type = config.get('mesos.resourcemanager.tasks.container.type');
  switch (type) {
    case 'mesos':
      return { type: mesos.v1.ContainerInfo.Type.MESOS, volumes };
    case 'docker':
      return {
        type: mesos.v1.ContainerInfo.Type.DOCKER,
        volumes,
        docker: {
          image: config.get('mesos.resourcemanager.tasks.container.image.name') ?? '',
          network: mesos.v1.ContainerInfo.DockerInfo.Network.HOST,
          force_pull_image: config.get('mesos.resourcemanager.tasks.container.docker.force-pull-image'),
          parameters: (config.get('mesos.resourcemanager.tasks.container.docker.parameters') ?? []).map(({ key, value }) => ({ key, value })),
        },
      };
  }
}
