import type { MesoflowConfig } from '@mesoflow/config';
import { bootstrapService, createServiceLogger, type RunningService } from '@mesoflow/service';
import { ARTIFACTS_GRPC, PROTO_ROOT } from '@mesoflow/proto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ArtifactServerModule } from './artifact-server.module';
import { ArtifactStore } from './artifacts/artifact-store';
import { ArtifactUrls } from './artifacts/artifact-urls';
import { resolveArtifactServerConfig, type ArtifactServerConfig } from './settings';

/** How the process runs the server, beyond its settings. */
export interface ArtifactServerRuntime {
  /** @default pino at info level on standard output */
  logger?: Logger;
  /** @default ['SIGTERM', 'SIGINT']; false for tests, which call `close()` */
  shutdownSignals?: NodeJS.Signals[] | false;
  /** Largest gRPC message accepted (one upload chunk plus framing). @default 8 MiB */
  maxGrpcMessageBytes?: number;
}

/** A started artifact server. */
export interface RunningArtifactServer {
  readonly service: RunningService;
  readonly config: ArtifactServerConfig;
  readonly store: ArtifactStore;
  readonly urls: ArtifactUrls;
  /** Where fetchers connect, with the bound port (not the advertised host). */
  readonly httpUrl: string;
  /** Where publishers connect. */
  readonly grpcTarget: string;
  close(): Promise<void>;
}

/**
 * Starts the artifact server with the `mesos.resourcemanager.artifactserver.*` options of
 * `mesoflowConfig`; throws a ConfigError when they do not make a server (see {@link resolveArtifactServerConfig}).
 */
export async function startArtifactServer(mesoflowConfig: MesoflowConfig, runtime: ArtifactServerRuntime = {}): Promise<RunningArtifactServer> {
  const config = resolveArtifactServerConfig(mesoflowConfig);
  const logger = runtime.logger ?? createServiceLogger({ service: 'artifact-server' });
  const store = await ArtifactStore.open({ root: config.root, maxArtifactSize: config.maxArtifactSize, localRoots: config.localRoots, logger });
  if (!config.signingKeyConfigured) {
    logger.info('No signing key is configured, so one was generated: signed URLs stop working when this server restarts');
  }
  const grpcTarget = `${config.bindHost.includes(':') ? `[${config.bindHost}]` : config.bindHost}:${config.grpcPort}`;
  const service = await bootstrapService({
    name: 'artifact-server',
    module: ArtifactServerModule.forConfig(config, store),
    http: { port: config.port, host: config.bindHost, ...(config.tls ? { tls: config.tls } : {}) },
    grpc: {
      url: grpcTarget,
      package: ARTIFACTS_GRPC.packageName,
      protoPath: join(PROTO_ROOT, ARTIFACTS_GRPC.protoFile),
      maxReceiveMessageLength: runtime.maxGrpcMessageBytes ?? 8 * 1024 * 1024,
    },
    logger,
    ...(runtime.shutdownSignals === undefined ? {} : { shutdownSignals: runtime.shutdownSignals }),
  });
  return {
    service,
    config,
    store,
    urls: service.app.get(ArtifactUrls),
    httpUrl: service.httpUrl,
    grpcTarget,
    close: () => service.close(),
  };
}
