// The service booted as in production (Nest, gRPC transport, bootstrapService) and called with a
// real gRPC client; only the artifact server is the in-memory one (the e2e suite uses the real).
import * as grpc from '@grpc/grpc-js';
import { ConfigError, createConfig, MASK } from '@mesoflow/config';
import { CONFIG_OVERLAY_GRPC, grpcServiceClient } from '@mesoflow/proto';
import { freePort } from '@mesoflow/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startConfigOverlay, type RunningConfigOverlay } from './app';
import { type GetEffectiveConfigurationResponse, type TaskManagerSpecMessage } from './grpc/messages';
import { parseSettings } from './settings';
import { MemoryPublisher } from './testing/memory-publisher';

type Unary<Req, Res> = (request: Req, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: Res) => void) => void;
interface Client extends grpc.Client {
  GetEffectiveConfiguration: Unary<object, GetEffectiveConfigurationResponse>;
  GetTaskManagerSpec: Unary<object, TaskManagerSpecMessage>;
}

function call<Res>(method: Unary<object, Res>, client: Client, request: object): Promise<Res> {
  return new Promise((resolve, reject) => method.call(client, request, { deadline: new Date(Date.now() + 10_000) }, (error, response) => (error ? reject(error) : resolve(response as Res))));
}

describe('the config-overlay service over gRPC', () => {
  let dir: string;
  let running: RunningConfigOverlay;
  let client: Client;
  const publisher = new MemoryPublisher();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'config-overlay-grpc-'));
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    const config = createConfig({
      'taskmanager.numberOfTaskSlots': 4,
      'mesos.resourcemanager.framework.principal': 'mesoflow',
      'mesos.resourcemanager.framework.secret': 'very-secret',
    });
    const settings = parseSettings(['--grpc-port', String(await freePort()), '--bind-host=127.0.0.1', '--artifact-server=127.0.0.1:1', `--distribution-file=bin/mesos-taskmanager.sh=${join(dir, 'run.sh')}`]);
    running = await startConfigOverlay(config, settings, { logger: pino({ level: 'silent' }), shutdownSignals: false, publisher });
    const ConfigOverlayService = grpcServiceClient(CONFIG_OVERLAY_GRPC);
    client = new ConfigOverlayService(running.grpcTarget, grpc.credentials.createInsecure()) as unknown as Client;
  });

  afterAll(async () => {
    client?.close();
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the effective configuration with sources, secrets masked', async () => {
    const response = await call(client.GetEffectiveConfiguration, client, {});
    const byKey = new Map((response.entries ?? []).map((entry) => [entry.key, entry]));
    expect(byKey.get('taskmanager.numberOfTaskSlots')).toMatchObject({ value: '4', set: true, source: 'set in code', group: 'TaskManager', kind: 'integer' });
    expect(byKey.get('jobmanager.rpc.port')).toMatchObject({ value: '6123', source: 'default' });
    expect(byKey.get('mesos.resourcemanager.framework.secret')).toMatchObject({ value: MASK, sensitive: true, master_only: true });
    expect(JSON.stringify(response)).not.toContain('very-secret');
    expect(byKey.has('mesos.master')).toBe(false);

    const all = await call(client.GetEffectiveConfiguration, client, { include_unset: true });
    expect(all.entries?.find((entry) => entry.key === 'mesos.master')).toMatchObject({ set: false, source: 'unset' });
  });

  it('answers GetTaskManagerSpec with a spec in Mesos message shapes', async () => {
    const spec = await call(client.GetTaskManagerSpec, client, {
      task_id: 'taskmanager-00042',
      ports: [
        { key: 'taskmanager.rpc.port', port: 31010 },
        { key: 'taskmanager.data.port', port: 31011 },
      ],
    });
    expect(spec.task_id).toBe('taskmanager-00042');
    expect(spec.resources?.map((r) => r.name)).toEqual(['cpus', 'mem', 'ports']);
    expect(spec.command?.uris?.map((uri) => uri.output_file)).toEqual([expect.stringMatching(/^mesoflow-[0-9a-f]{64}\.tar\.gz$/), 'conf/mesoflow-conf.yaml']);
    expect(spec.command?.environment?.variables).toEqual([{ name: 'MESOFLOW_TASK_ID', value: 'taskmanager-00042' }]);
  });

  it('answers INVALID_ARGUMENT, naming the problem, for bad port assignments', async () => {
    await expect(call(client.GetTaskManagerSpec, client, { task_id: 'tm-1', ports: [{ key: 'taskmanager.rpc.port', port: 31010 }] })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining("'taskmanager.data.port' has no port"),
    });
  });

  it('refuses to start when a file it must ship cannot be read, naming the option, value and expectation', async () => {
    const config = createConfig({ 'security.kerberos.login.keytab': join(dir, 'missing.keytab'), 'security.kerberos.login.principal': 'a@B' });
    const settings = parseSettings(['--grpc-port=1', '--artifact-server=127.0.0.1:1', `--distribution-file=bin/x=${join(dir, 'run.sh')}`]);
    const started = startConfigOverlay(config, settings, { logger: pino({ level: 'silent' }), shutdownSignals: false, publisher });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toMatchObject({
      problems: [{ key: 'security.kerberos.login.keytab', value: join(dir, 'missing.keytab'), expected: 'a readable file' }],
    });
  });
});
