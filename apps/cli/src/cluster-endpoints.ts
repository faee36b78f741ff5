import type { MesoflowConfig } from '@mesoflow/config';
import { readFileSync } from 'node:fs';
import { CliError } from './cli-error';
import { gatewayTlsOf, type GatewayTls } from './remote/gateway-tls';

/** Where the session cluster takes jobs and program bundles, and the token it wants. */
export interface ClusterEndpoints {
  /** `host:port` of the dispatcher gateway's JobService. */
  readonly gateway: string;
  /** How to verify the gateway's TLS (`security.ssl.rest.*`); undefined for plaintext. */
  readonly gatewayTls: GatewayTls | undefined;
  /** `host:port` of the artifact server's gRPC port (plaintext); undefined when it is not configured. */
  readonly artifactServer: string | undefined;
  readonly token: string | undefined;
}

/**
 * The cluster's addresses as Flink's CLI finds the JobManager: `-m host:port` wins, else
 * `rest.address` (or `jobmanager.rpc.address`) with `dispatcher.grpc.port`. Bundles go to the
 * artifact server on the same host.
 */
export function clusterEndpoints(config: MesoflowConfig, jobManager: string | undefined): ClusterEndpoints {
  const host = config.get('rest.address') ?? config.get('jobmanager.rpc.address');
  let gateway = `${host}:${config.get('dispatcher.grpc.port')}`;
  let gatewayHost = host;
  if (jobManager !== undefined) {
    const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(jobManager);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
      throw new CliError(`-m/--jobmanager: '${jobManager}' is not host:port (expected the dispatcher gateway's gRPC address, e.g. localhost:6126)`);
    }
    gateway = jobManager;
    gatewayHost = match[1] ?? host;
  }
  const artifactPort = config.get('mesos.resourcemanager.artifactserver.grpc.port');
  return {
    gateway,
    gatewayTls: gatewayTlsOf(config),
    artifactServer: artifactPort === undefined ? undefined : `${gatewayHost}:${artifactPort}`,
    token: readToken(config.get('dispatcher.auth.token-file')),
  };
}

function readToken(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new CliError(`dispatcher.auth.token-file: '${path}' cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); expected a file holding the gateway's token`);
  }
  if (token === '') throw new CliError(`dispatcher.auth.token-file: '${path}' is empty; expected a file holding the gateway's token`);
  return token;
}
