import { createConfig, MemorySize, taskManagerPortKeys, type ConfigValues } from '@mesoflow/config';
import { mesos } from '@mesoflow/proto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { standardOverlays } from '../app';
import { OverlayErrorCode } from '../overlays/overlay-error';
import { MemoryPublisher } from '../testing/memory-publisher';
import { assignPorts } from './ports';
import { portRanges } from './resources';
import { TaskManagerSpecBuilder } from './task-manager-spec-builder';

let dir: string;
let publisher: MemoryPublisher;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spec-builder-'));
  publisher = new MemoryPublisher();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o755 });
  return path;
}

function builder(values: ConfigValues): TaskManagerSpecBuilder {
  const overlays = standardOverlays([{ path: 'bin/mesos-taskmanager.sh', source: write('run.sh', '#!/bin/sh\n') }], undefined);
  return new TaskManagerSpecBuilder(createConfig(values), publisher, overlays);
}

const PORTS = [
  { key: 'taskmanager.rpc.port', port: 31001 },
  { key: 'taskmanager.data.port', port: 31002 },
];

describe('TaskManagerSpecBuilder', () => {
  it('builds a spec the scheduler can copy into a TaskInfo', async () => {
    const spec = await builder({
      'taskmanager.numberOfTaskSlots': 2,
      'mesos.resourcemanager.tasks.mem': MemorySize.of(2, 'g'),
      'mesos.resourcemanager.tasks.disk': MemorySize.of(512, 'm'),
      'mesos.resourcemanager.tasks.network.bandwidth': 100,
      'mesos.resourcemanager.tasks.hostname': '_TASK_.mesoflow.mesos',
      'mesos.resourcemanager.tasks.labels': [{ key: 'team', value: 'data' }],
      'mesos.resourcemanager.tasks.bootstrap-cmd': 'echo ready',
      'mesos.resourcemanager.tasks.uris': ['http://repo/extra.tar.gz'],
    }).build({ task_id: 'taskmanager-00007', ports: PORTS });

    expect(spec.task_id).toBe('taskmanager-00007');
    expect(spec.hostname).toBe('taskmanager-00007.mesoflow.mesos');
    expect(spec.resources).toEqual([
      { name: 'cpus', type: mesos.v1.Value.Type.SCALAR, scalar: { value: 2 } },
      { name: 'mem', type: mesos.v1.Value.Type.SCALAR, scalar: { value: 2048 } },
      { name: 'disk', type: mesos.v1.Value.Type.SCALAR, scalar: { value: 512 } },
      { name: 'network', type: mesos.v1.Value.Type.SCALAR, scalar: { value: 100 } },
      { name: 'ports', type: mesos.v1.Value.Type.RANGES, ranges: { range: [{ begin: 31001, end: 31002 }] } },
    ]);
    expect(spec.container).toEqual({ type: mesos.v1.ContainerInfo.Type.MESOS, volumes: [] });
    expect(spec.labels).toEqual({ labels: [{ key: 'team', value: 'data' }] });
    expect(spec.command).toMatchObject({ shell: true, value: 'export MESOFLOW_HOME="$MESOS_SANDBOX/mesoflow"; exec $MESOFLOW_HOME/bin/mesos-taskmanager.sh' });
    expect(spec.command?.environment?.variables).toEqual([
      { name: 'MESOFLOW_TASK_ID', value: 'taskmanager-00007' },
      { name: 'MESOFLOW_BOOTSTRAP_CMD', value: 'echo ready' },
      { name: 'MESOFLOW_HOSTNAME', value: 'taskmanager-00007.mesoflow.mesos' },
    ]);
    // Distribution first, the configuration last (after the files it points to).
    expect(spec.command?.uris?.map((uri) => uri.output_file)).toEqual([
      expect.stringMatching(/^mesoflow-[0-9a-f]{64}\.tar\.gz$/),
      'extra.tar.gz',
      'conf/mesoflow-conf.yaml',
    ]);
    expect(spec.artifacts?.map((a) => a.overlay)).toEqual(['distribution', 'taskmanager-conf']);
    // The task's assigned ports are in its configuration.
    const conf = publisher.content(spec.artifacts![1].path ?? '')!.toString();
    expect(conf).toMatch(/^taskmanager\.data\.port: 31002$/m);
  });

  it('runs TaskManagers in the configured Docker image, with the configuration still fetched', async () => {
    const spec = await builder({
      'mesos.resourcemanager.tasks.container.type': 'docker',
      'mesos.resourcemanager.tasks.container.image.name': 'registry/mesoflow:1.0',
      'mesos.resourcemanager.tasks.container.docker.force-pull-image': true,
      'mesos.resourcemanager.tasks.container.docker.parameters': [{ key: 'memory-swap', value: '-1' }],
      'mesos.resourcemanager.tasks.container.volumes': [{ hostPath: '/data', containerPath: '/mnt/data', mode: 'RO' }],
    }).build({ task_id: 'tm-1', ports: PORTS });

    expect(spec.container).toEqual({
      type: mesos.v1.ContainerInfo.Type.DOCKER,
      volumes: [{ container_path: '/mnt/data', host_path: '/data', mode: mesos.v1.Volume.Mode.RO }],
      docker: { image: 'registry/mesoflow:1.0', network: mesos.v1.ContainerInfo.DockerInfo.Network.HOST, force_pull_image: true, parameters: [{ key: 'memory-swap', value: '-1' }] },
    });
    expect(spec.command?.value).toBe('exec $MESOFLOW_HOME/bin/mesos-taskmanager.sh');
    expect(spec.command?.uris?.map((uri) => uri.output_file)).toEqual(['conf/mesoflow-conf.yaml']);
  });

  it('keeps every secret out of the command, its arguments and its environment', async () => {
    const secrets = {
      'mesos.resourcemanager.framework.principal': 'mesoflow',
      'mesos.resourcemanager.framework.secret': 'S1-framework-secret',
      'mesos.resourcemanager.artifactserver.url-signing-key': 'S2-signing-key-0123456789abcdef0123456789',
      'security.ssl.internal.enabled': true,
      'mesos.resourcemanager.artifactserver.ssl.enabled': false,
      'security.ssl.internal.keystore': write('keystore.p12', 'KEYSTORE'),
      'security.ssl.internal.keystore-password': 'S3-keystore-password',
      'security.ssl.internal.key-password': 'S4-key-password',
      'security.ssl.internal.truststore': write('truststore.p12', 'TRUSTSTORE'),
      'security.ssl.internal.truststore-password': 'S5-truststore-password',
      'security.api.auth-token': 'S6-api-token',
    } satisfies ConfigValues;
    const spec = await builder(secrets).build({ task_id: 'tm-2', ports: PORTS });

    const visible = JSON.stringify({ value: spec.command?.value, arguments: spec.command?.arguments ?? [], environment: spec.command?.environment, labels: spec.labels });
    for (const secret of ['S1-framework-secret', 'S2-signing-key', 'S3-keystore-password', 'S4-key-password', 'S5-truststore-password', 'S6-api-token']) {
      expect(visible).not.toContain(secret);
    }
    // The TaskManager gets the secrets it needs in its configuration, a secret artifact.
    const confArtifact = spec.artifacts!.find((a) => a.overlay === 'taskmanager-conf')!;
    expect(confArtifact.secret).toBe(true);
    const conf = publisher.content(confArtifact.path ?? '')!.toString();
    expect(conf).toContain('S3-keystore-password');
    expect(conf).toMatch(/^security\.ssl\.internal\.keystore: security\/internal\.keystore\.p12$/m);
    expect(conf).not.toContain('S1-framework-secret');
    expect(spec.command?.uris?.find((uri) => uri.output_file === 'conf/mesoflow-conf.yaml')?.value).toMatch(/signature=/);
  });

  it('rejects a task ID the artifact server and hostname pattern cannot carry', async () => {
    await expect(builder({}).build({ task_id: 'tm/../1', ports: PORTS })).rejects.toMatchObject({ code: OverlayErrorCode.INVALID_REQUEST });
    await expect(builder({}).build({ ports: PORTS })).rejects.toMatchObject({ code: OverlayErrorCode.INVALID_REQUEST });
  });
});

describe('assignPorts', () => {
  const config = createConfig({ 'mesos.resourcemanager.tasks.port-assignments': ['rest.port'] });

  it('takes one port per port option', () => {
    expect(taskManagerPortKeys(config)).toEqual(['taskmanager.rpc.port', 'taskmanager.data.port', 'rest.port']);
    const assigned = assignPorts(config, [...PORTS, { key: 'rest.port', port: 31005 }]);
    expect(assigned).toEqual({ overrides: { 'taskmanager.rpc.port': 31001, 'taskmanager.data.port': 31002, 'rest.port': 31005 }, ports: [31001, 31002, 31005] });
  });

  it('reports every wrong assignment at once', () => {
    expect(() => assignPorts(config, [{ key: 'taskmanager.rpc.port', port: 31001 }, { key: 'taskmanager.data.port', port: 31001 }, { key: 'other.port', port: 1 }])).toThrow(
      /port 31001 is assigned to both 'taskmanager.rpc.port' and 'taskmanager.data.port'.*'other.port' is not a port option.*'rest.port' has no port/,
    );
  });
});

describe('portRanges', () => {
  it('merges neighbouring ports', () => {
    expect(portRanges([31005, 31001, 31002, 31003])).toEqual([
      { begin: 31001, end: 31003 },
      { begin: 31005, end: 31005 },
    ]);
  });
});
