// Starts an artifact server for a test: a fresh root folder, loopback ports, silent logs.
import { createConfig, type ConfigValues } from '@mesoflow/config';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startArtifactServer, type RunningArtifactServer } from '../app';
import { ArtifactClient } from './artifact-client';

/** A test's server, its gRPC client and its folders. */
export interface TestArtifactServer {
  server: RunningArtifactServer;
  client: ArtifactClient;
  /** A temporary folder for the test's own files (outside the artifact root). */
  workDir: string;
  root: string;
  /** `<httpUrl>/<prefix>/` */
  base: string;
  stop(): Promise<void>;
}

export const TEST_SIGNING_KEY = 'test-only-signing-key-0123456789abcdef';

/**
 * Starts a server on loopback with `values` over the test defaults; `grpcPort` comes from the
 * test (`freePort()` of @mesoflow/testing, which only test files may use).
 */
export async function startTestArtifactServer(grpcPort: number, values: ConfigValues = {}): Promise<TestArtifactServer> {
  const workDir = mkdtempSync(join(tmpdir(), 'artifact-server-'));
  const root = join(workDir, 'root');
  let server: RunningArtifactServer;
  try {
    const config = createConfig(
      {
        'mesos.resourcemanager.artifactserver.port': 0,
        'mesos.resourcemanager.artifactserver.bind-host': '127.0.0.1',
        'mesos.resourcemanager.artifactserver.advertised-host': '127.0.0.1',
        'mesos.resourcemanager.artifactserver.grpc.port': grpcPort,
        'mesos.resourcemanager.artifactserver.root': root,
        'mesos.resourcemanager.artifactserver.prefix': 'cluster-t',
        'mesos.resourcemanager.artifactserver.url-signing-key': TEST_SIGNING_KEY,
        'mesos.resourcemanager.artifactserver.local-roots': [workDir],
        ...values,
      },
      { service: 'artifact-server' },
    );
    server = await startArtifactServer(config, { logger: pino({ level: 'silent' }), shutdownSignals: false });
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  const client = new ArtifactClient(server.grpcTarget);
  return {
    server,
    client,
    workDir,
    root,
    base: `${server.httpUrl}/${server.config.prefix}/`,
    stop: async () => {
      client.close();
      await server.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Lower-case hex SHA-256. */
export function sha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}
