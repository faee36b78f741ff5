// security.ssl.rest.*: the gateway booted as in production against a REAL Redis, serving REST
// over HTTPS and JobService over TLS from a PKCS#12 keystore made by this test with openssl.
import * as grpc from '@grpc/grpc-js';
import { ConfigError, createConfig, type ConfigValues } from '@mesoflow/config';
import { grpcServiceClient, JOB_SERVICE_GRPC } from '@mesoflow/proto';
import { createTestPki, fetchTls, freePort, openssl, rejectionOf, startRedis, type TestPki, type TestRedis } from '@mesoflow/testing';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startDispatcherGateway, type RunningDispatcherGateway } from './app';
import { parseSettings } from './settings';
import { GatedExecution } from './testing/gated-execution';
import { call, submitRequest, type JobServiceClient as Client } from './testing/job-service-client';

describe('the dispatcher gateway with security.ssl.rest.enabled', () => {
  let redis: TestRedis;
  let dir: string;
  let pki: TestPki;
  let ca: Buffer;
  const gateways: RunningDispatcherGateway[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'gateway-tls-'));
    pki = createTestPki(dir);
    ca = readFileSync(pki.caPem);
  }, 60_000);

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const gateway of gateways.splice(0)) await gateway.close();
  });

  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(tls: ConfigValues): Promise<RunningDispatcherGateway> {
    const config = createConfig({ 'rest.port': await freePort(), 'redis.url': redis.url, 'security.ssl.rest.enabled': true, ...tls });
    const settings = parseSettings(['--grpc-port', String(await freePort()), '--bind-host=127.0.0.1', `--cluster=test-${randomUUID()}`, '--job-concurrency=0']);
    const gateway = await startDispatcherGateway(config, settings, { logger: pino({ level: 'silent' }), shutdownSignals: false, execution: new GatedExecution() });
    gateways.push(gateway);
    return gateway;
  }

  function client(target: string, credentials: grpc.ChannelCredentials): Client {
    const JobService = grpcServiceClient(JOB_SERVICE_GRPC);
    const created = new JobService(target, credentials) as unknown as Client;
    clients.push(created);
    return created;
  }

  const keystore = (): ConfigValues => ({ 'security.ssl.rest.keystore': pki.keystore, 'security.ssl.rest.keystore-password': pki.keystorePassword });

  it('serves REST over HTTPS and JobService over TLS with the keystore, trusted through its CA', async () => {
    const gateway = await start(keystore());
    expect(gateway.restUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await fetchTls(`${gateway.restUrl}/healthz`, ca)).toMatchObject({ status: 200 });

    const secure = client(gateway.grpcTarget, grpc.credentials.createSsl(ca));
    const { job_id: jobId } = await call(secure, secure.SubmitJob, submitRequest('tls-1'));
    expect((await call(secure, secure.ListJobs, {})).jobs?.map((job) => job.job_id)).toEqual([jobId]);
    // The same certificate for a host name it names.
    const byName = client(gateway.grpcTarget.replace('127.0.0.1', 'localhost'), grpc.credentials.createSsl(ca));
    expect((await call(byName, byName.ListJobs, {})).jobs).toHaveLength(1);

    const jobs = await fetchTls(`${gateway.restUrl}/jobs`, ca);
    expect(jobs.status).toBe(200);
    expect(JSON.parse(jobs.body)).toMatchObject({ jobs: [{ jobId, jobName: 'WordCount' }] });
  });

  it('does not answer plaintext gRPC, nor TLS clients that do not trust its CA', async () => {
    const gateway = await start(keystore());
    const plain = client(gateway.grpcTarget, grpc.credentials.createInsecure());
    expect(await rejectionOf(call(plain, plain.ListJobs, {}, undefined, 3_000))).toMatchObject({ code: grpc.status.UNAVAILABLE });
    const untrusting = client(gateway.grpcTarget, grpc.credentials.createSsl());
    expect(await rejectionOf(call(untrusting, untrusting.ListJobs, {}, undefined, 3_000))).toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: expect.stringMatching(/certificate/),
    });
  });

  it('refuses to start with a wrong keystore password, naming the option but not the password', async () => {
    const error = await rejectionOf<ConfigError>(start({ ...keystore(), 'security.ssl.rest.keystore-password': 'not-the-Password-42' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(`security.ssl.rest.keystore-password: the keystore '${pki.keystore}' does not open with the password given`);
    expect(error.message).not.toContain('not-the-Password-42');
    expect(error.message).not.toContain(pki.keystorePassword);
  });

  it('refuses to start when the keystore is missing, not PKCS#12, holds no key, or the key password differs', async () => {
    const missing = await rejectionOf<ConfigError>(start({ ...keystore(), 'security.ssl.rest.keystore': join(dir, 'missing.p12') }));
    expect(missing).toBeInstanceOf(ConfigError);
    expect(missing.message).toContain(`security.ssl.rest.keystore: '${join(dir, 'missing.p12')}' cannot be read (ENOENT)`);

    const pem = join(dir, 'keystore-as-pem.p12');
    copyFileSync(pki.caPem, pem);
    expect((await rejectionOf<ConfigError>(start({ ...keystore(), 'security.ssl.rest.keystore': pem }))).message).toContain(`security.ssl.rest.keystore: '${pem}' is not a PKCS#12 file`);

    const certificatesOnly = join(dir, 'certificates-only.p12');
    openssl('pkcs12', '-export', '-nokeys', '-in', pki.caPem, '-passout', `pass:${pki.keystorePassword}`, '-out', certificatesOnly);
    expect((await rejectionOf<ConfigError>(start({ ...keystore(), 'security.ssl.rest.keystore': certificatesOnly }))).message).toContain('holds 0 private keys');

    const keyPassword = await rejectionOf<ConfigError>(start({ ...keystore(), 'security.ssl.rest.key-password': 'another-Secret-7' }));
    expect(keyPassword.message).toContain('security.ssl.rest.key-password: differs from security.ssl.rest.keystore-password');
    expect(keyPassword.message).not.toContain('another-Secret-7');
  });

  it('starts with a key password equal to the keystore password', async () => {
    const gateway = await start({ ...keystore(), 'security.ssl.rest.key-password': pki.keystorePassword });
    expect((await fetchTls(`${gateway.restUrl}/healthz`, ca)).status).toBe(200);
  });
});
