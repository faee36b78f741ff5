import { createConfig } from '@mesoflow/config';
import { clusterDefaults, jobClusterChildren, sessionClusterChildren, type AppMasterSettings } from './cluster-children';

const SETTINGS: AppMasterSettings = { workDir: '/srv/am', bindHost: '0.0.0.0', localHost: '127.0.0.1', configOverlayPort: 6125, configOverlayHttpPort: 6128, schedulerHttpPort: 6129, highAvailability: false };

describe('the session cluster', () => {
  it('runs the four services in order, each told where the ones before it are, all with the -D options', () => {
    const children = sessionClusterChildren(SETTINGS, { artifactGrpcPort: 6124, artifactHttpPort: 0, restPort: 8081 }, [{ key: 'mesos.master', value: 'm:5050' }], (entry) => ({ command: 'node', args: [entry] }));
    expect(children.map((child) => child.name)).toEqual(['artifact-server', 'config-overlay', 'scheduler', 'dispatcher-gateway']);
    expect(children.map((child) => child.readyUrl)).toEqual([undefined, 'http://127.0.0.1:6128/healthz', 'http://127.0.0.1:6129/healthz', 'http://127.0.0.1:8081/healthz']);
    expect(children.every((child) => child.args.at(-1) === '-Dmesos.master=m:5050')).toBe(true);
    expect(children[1]?.args).toContain('--artifact-server=127.0.0.1:6124');
    expect(children[2]?.args).toEqual(expect.arrayContaining(['--store-dir=/srv/am/scheduler-store', '--config-overlay=127.0.0.1:6125']));
  });

  it('runs a per-job cluster as the services TaskManagers need and the job, whose end stops them', () => {
    const children = jobClusterChildren(SETTINGS, { artifactGrpcPort: 6124, artifactHttpPort: 0, restPort: 8081 }, [{ key: 'internal.jobgraph-path', value: 'job.graph' }], (entry) => ({ command: 'node', args: [entry] }));
    expect(children.map((child) => [child.name, child.role ?? 'service', child.restart ?? 'always'])).toEqual([
      ['artifact-server', 'service', 'always'],
      ['config-overlay', 'service', 'always'],
      ['scheduler', 'service', 'on-failure'],
      ['job', 'job', 'always'],
    ]);
    expect(children[3]?.args).toEqual(['dispatcher-gateway/src/job-cluster-main.ts', '-Dinternal.jobgraph-path=job.graph']);
  });

  it('does not wait for the scheduler of a high-availability cluster, which may stand by', () => {
    const children = sessionClusterChildren({ ...SETTINGS, highAvailability: true }, { artifactGrpcPort: 6124, artifactHttpPort: 0, restPort: 8081 }, [], (entry) => ({ command: 'node', args: [entry] }));
    expect(children.map((child) => child.readyUrl)).toEqual([undefined, 'http://127.0.0.1:6128/healthz', undefined, 'http://127.0.0.1:8081/healthz']);
  });

  it('fills in the artifact server options only where the configuration leaves them unset, with a fixed HTTP port so bundle URLs outlive a restart', () => {
    expect(clusterDefaults(SETTINGS, createConfig())).toEqual([
      { key: 'mesos.resourcemanager.artifactserver.grpc.port', value: '6124' },
      { key: 'mesos.resourcemanager.artifactserver.port', value: '6127' },
      { key: 'mesos.resourcemanager.artifactserver.root', value: '/srv/am/artifacts' },
    ]);
    // Even a port of 0 given on purpose is the user's choice.
    const given = createConfig({ 'mesos.resourcemanager.artifactserver.grpc.port': 7124, 'mesos.resourcemanager.artifactserver.port': 0, 'mesos.resourcemanager.artifactserver.root': '/data' });
    expect(clusterDefaults(SETTINGS, given)).toEqual([]);
  });
});
