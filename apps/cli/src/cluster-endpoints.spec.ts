import { createConfig } from '@mesoflow/config';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli-error';
import { clusterEndpoints } from './cluster-endpoints';

describe('clusterEndpoints', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'endpoints-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the gateway as Flink finds the JobManager: rest.address, else jobmanager.rpc.address', () => {
    expect(clusterEndpoints(createConfig({ 'jobmanager.rpc.address': 'am.example' }), undefined)).toEqual({ gateway: 'am.example:6126', artifactServer: undefined, token: undefined });
    const config = createConfig({ 'rest.address': 'gw.example', 'dispatcher.grpc.port': 7000, 'mesos.resourcemanager.artifactserver.grpc.port': 7001 });
    expect(clusterEndpoints(config, undefined)).toMatchObject({ gateway: 'gw.example:7000', artifactServer: 'gw.example:7001' });
    expect(clusterEndpoints(config, 'other:6000')).toMatchObject({ gateway: 'other:6000', artifactServer: 'other:7001' });
  });

  it('refuses a -m that is not host:port, and reads the token from its file', () => {
    expect(() => clusterEndpoints(createConfig(), 'nohost')).toThrow(new CliError("-m/--jobmanager: 'nohost' is not host:port (expected the dispatcher gateway's gRPC address, e.g. localhost:6126)"));
    writeFileSync(join(dir, 'token'), 's3cret\n');
    expect(clusterEndpoints(createConfig({ 'dispatcher.auth.token-file': join(dir, 'token') }), undefined).token).toBe('s3cret');
    writeFileSync(join(dir, 'empty'), '\n');
    expect(() => clusterEndpoints(createConfig({ 'dispatcher.auth.token-file': join(dir, 'empty') }), undefined)).toThrow(/is empty/);
    expect(() => clusterEndpoints(createConfig({ 'dispatcher.auth.token-file': join(dir, 'missing') }), undefined)).toThrow(/cannot be read \(ENOENT\)/);
  });
});
