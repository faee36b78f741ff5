// The CLI's TLS to the gateway (security.ssl.rest.*) against a JobService on loopback that
// serves TLS with a certificate signed by a CA this test makes with openssl.
import * as grpc from '@grpc/grpc-js';
import { createConfig, type ConfigValues } from '@mesoflow/config';
import { grpcServiceClient, JOB_SERVICE_GRPC } from '@mesoflow/proto';
import { createTestPki, rejectionOf } from '@mesoflow/testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../cli-error';
import { clusterEndpoints } from '../cluster-endpoints';
import { gatewayTlsOf } from './gateway-tls';
import { JobServiceClient, JobState } from './job-service-client';

const TRUSTSTORE_PASSWORD = 'trust-Secret-3';
const JOB = { job_id: 'a'.repeat(32), job_name: 'WordCount', state: JobState.RUNNING };

/** A JobService whose ListJobs answers one job. */
async function startJobService(credentials: grpc.ServerCredentials): Promise<{ target: string; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(grpcServiceClient(JOB_SERVICE_GRPC).service, {
    ListJobs: (_call: unknown, callback: grpc.sendUnaryData<object>) => callback(null, { jobs: [JOB] }),
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
  return { target: `127.0.0.1:${port}`, server };
}

describe("the CLI's TLS to the dispatcher gateway", () => {
  let dir: string;
  let secure: { target: string; server: grpc.Server };
  let plain: { target: string; server: grpc.Server };
  const file = (name: string): string => join(dir, name);
  const cliConfig = (values: ConfigValues) => createConfig({ 'security.ssl.rest.enabled': true, ...values }, { service: 'cli' });
  const trusting = (): ConfigValues => ({ 'security.ssl.rest.truststore': file('truststore.p12'), 'security.ssl.rest.truststore-password': TRUSTSTORE_PASSWORD });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cli-tls-'));
    const pki = createTestPki(dir, 'keystore-secret', TRUSTSTORE_PASSWORD);
    secure = await startJobService(grpc.ServerCredentials.createSsl(null, [{ private_key: readFileSync(pki.serverKey), cert_chain: readFileSync(pki.serverPem) }]));
    plain = await startJobService(grpc.ServerCredentials.createInsecure());
  });

  afterAll(() => {
    secure?.server.forceShutdown();
    plain?.server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  async function list(target: string, values: ConfigValues): Promise<unknown> {
    const endpoints = clusterEndpoints(cliConfig(values), target);
    const client = new JobServiceClient({ target: endpoints.gateway, tls: endpoints.gatewayTls, deadlineMs: 3_000 });
    try {
      return await client.list(10);
    } finally {
      client.close();
    }
  }

  it('talks TLS to the gateway, trusting the CA of security.ssl.rest.truststore', async () => {
    expect(await list(secure.target, trusting())).toEqual([JOB]);
    expect(await list(secure.target.replace('127.0.0.1', 'localhost'), trusting())).toEqual([JOB]);
  });

  it('says in one paragraph to set security.ssl.rest.truststore when the system CAs do not trust the gateway', async () => {
    const error = await rejectionOf<CliError>(list(secure.target, {}));
    expect(error).toBeInstanceOf(CliError);
    expect(error.message).toMatch(new RegExp(`^Could not list the jobs: the dispatcher gateway at ${secure.target} answered UNAVAILABLE: .*certificate`));
    expect(error.message).toContain("The gateway's TLS certificate is not trusted: pass -Dsecurity.ssl.rest.truststore=<PKCS#12 file with the CA that signed it>");
    expect(error.message).not.toContain('\n');
    // A setting to fix, not an outage to wait out: submit does not retry it.
    const client = new JobServiceClient({ target: secure.target, tls: { trustedCertificates: undefined }, submitRetryMs: 60_000 });
    try {
      expect(await rejectionOf<CliError>(client.submit({ submission_id: 'tls-untrusted' }))).toMatchObject({ grpcCode: undefined, message: expect.stringContaining('security.ssl.rest.truststore') });
    } finally {
      client.close();
    }
  });

  it('says when the gateway does not speak TLS, and suggests TLS to a plaintext client of a TLS gateway', async () => {
    expect((await rejectionOf<CliError>(list(plain.target, trusting()))).message).toContain('The gateway does not speak TLS there: set security.ssl.rest.enabled');
    const endpoints = clusterEndpoints(createConfig({}, { service: 'cli' }), secure.target);
    expect(endpoints.gatewayTls).toBeUndefined();
    const client = new JobServiceClient({ target: endpoints.gateway, deadlineMs: 3_000 });
    try {
      expect((await rejectionOf<CliError>(client.list(1))).message).toContain('if the cluster serves TLS, pass -Dsecurity.ssl.rest.enabled=true');
    } finally {
      client.close();
    }
  });

  it('refuses a truststore it cannot read or open, naming the option and never the password', () => {
    expect(() => gatewayTlsOf(cliConfig({ 'security.ssl.rest.truststore': file('missing.p12') }))).toThrow(
      new CliError(`security.ssl.rest.truststore: '${file('missing.p12')}' cannot be read (ENOENT); expected a PKCS#12 file with the certificate of the CA that signed the gateway's certificate`),
    );
    expect(() => gatewayTlsOf(cliConfig({ 'security.ssl.rest.truststore': file('ca.pem') }))).toThrow(/^security\.ssl\.rest\.truststore: '.*ca\.pem' cannot be read as PKCS#12/);
    expect(() => gatewayTlsOf(cliConfig({ ...trusting(), 'security.ssl.rest.truststore-password': 'guess-Me-9' }))).toThrow(
      new CliError(`security.ssl.rest.truststore-password: does not open '${file('truststore.p12')}' (its integrity check failed); expected the password the truststore was written with`),
    );
    expect(gatewayTlsOf(createConfig({}, { service: 'cli' }))).toBeUndefined();
  });
});
