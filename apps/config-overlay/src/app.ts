import type { MesoflowConfig } from '@mesoflow/config';
import { CONFIG_OVERLAY_GRPC, PROTO_ROOT } from '@mesoflow/proto';
import { bootstrapService, createServiceLogger, type RunningService } from '@mesoflow/service';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { GrpcArtifactPublisher, type ArtifactPublisher } from '@mesoflow/artifacts-client';
import { PublishOnce } from './artifacts/artifact-publisher';
import { ConfigOverlayModule } from './config-overlay.module';
import { DistributionOverlay, type DistributionFile } from './overlays/distribution-overlay';
import { ExtraUrisOverlay } from './overlays/extra-uris-overlay';
import { KerberosOverlay } from './overlays/kerberos-overlay';
import type { ConfigurationOverlay } from './overlays/overlay';
import { SslOverlay } from './overlays/ssl-overlay';
import { UserLibrariesOverlay } from './overlays/user-libraries-overlay';
import type { ConfigOverlaySettings } from './settings';
import { checkShippedInputs } from './startup-checks';

/** The overlays in fetch order; the TaskManager's configuration is always shipped last. */
export function standardOverlays(distributionFiles: readonly DistributionFile[], libDir: string | undefined): ConfigurationOverlay[] {
  return [new DistributionOverlay(distributionFiles), new UserLibrariesOverlay(libDir), new KerberosOverlay(), new SslOverlay(), new ExtraUrisOverlay()];
}

/** How the process runs the service, beyond its settings. */
export interface ConfigOverlayRuntime {
  /** @default pino at info level on standard output */
  logger?: Logger;
  /** @default ['SIGTERM', 'SIGINT']; false for tests, which call `close()` */
  shutdownSignals?: NodeJS.Signals[] | false;
  /** @default a gRPC client of the artifact server at `settings.artifactServer` */
  publisher?: ArtifactPublisher;
}

/** A started config-overlay service. */
export interface RunningConfigOverlay {
  readonly service: RunningService;
  /** Where the scheduler connects. */
  readonly grpcTarget: string;
  close(): Promise<void>;
}

/**
 * Starts the config-overlay service. Checks first that everything it will ship can be read
 * (a {@link ConfigError} names the option, the value and what was expected).
 */
export async function startConfigOverlay(config: MesoflowConfig, settings: ConfigOverlaySettings, runtime: ConfigOverlayRuntime = {}): Promise<RunningConfigOverlay> {
  checkShippedInputs(config, settings);
  const logger = runtime.logger ?? createServiceLogger({ service: 'config-overlay' });
  const grpcPublisher = runtime.publisher ? undefined : new GrpcArtifactPublisher({ target: settings.artifactServer });
  const publisher = new PublishOnce(runtime.publisher ?? (grpcPublisher as GrpcArtifactPublisher));
  const grpcTarget = `${settings.bindHost.includes(':') ? `[${settings.bindHost}]` : settings.bindHost}:${settings.grpcPort}`;
  let service: RunningService;
  try {
    service = await bootstrapService({
      name: 'config-overlay',
      module: ConfigOverlayModule.forOptions({ config, publisher, overlays: standardOverlays(settings.distributionFiles, settings.libDir), logger }),
      http: { port: settings.httpPort, host: settings.bindHost },
      grpc: { url: grpcTarget, package: CONFIG_OVERLAY_GRPC.packageName, protoPath: join(PROTO_ROOT, CONFIG_OVERLAY_GRPC.protoFile) },
      logger,
      ...(runtime.shutdownSignals === undefined ? {} : { shutdownSignals: runtime.shutdownSignals }),
    });
  } catch (error) {
    grpcPublisher?.close();
    throw error;
  }
  return {
    service,
    grpcTarget,
    close: async () => {
      await service.close();
      grpcPublisher?.close();
    },
  };
}
