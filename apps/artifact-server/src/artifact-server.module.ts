import { Module, type DynamicModule } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DirectHttpRoutes, SERVICE_LOGGER, SERVICE_METRICS } from '@mesoflow/service';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ArtifactStore } from './artifacts/artifact-store';
import { ArtifactUrls } from './artifacts/artifact-urls';
import { UrlSigner } from './artifacts/url-signer';
import { ArtifactsController } from './grpc/artifacts.controller';
import { FileRoute } from './http/file-route';
import { ArtifactMetrics } from './metrics';
import type { ArtifactServerConfig } from './settings';

/** The artifact server: the store, the download route, the publishing gRPC service. */
@Module({})
export class ArtifactServerModule {
  static forConfig(config: ArtifactServerConfig, store: ArtifactStore): DynamicModule {
    const signer = new UrlSigner(config.signingKey);
    const host = config.advertisedHost.includes(':') ? `[${config.advertisedHost}]` : config.advertisedHost;
    return {
      module: ArtifactServerModule,
      controllers: [ArtifactsController],
      providers: [
        { provide: ArtifactStore, useValue: store },
        { provide: UrlSigner, useValue: signer },
        {
          provide: ArtifactMetrics,
          inject: [SERVICE_METRICS],
          useFactory: (registry: Registry) => new ArtifactMetrics(registry, () => store.size),
        },
        {
          provide: ArtifactUrls,
          inject: [HttpAdapterHost],
          useFactory: (adapterHost: HttpAdapterHost) =>
            new ArtifactUrls(
              `${config.tls ? 'https' : 'http'}://${host}`,
              () => ((adapterHost.httpAdapter.getHttpServer() as Server).address() as AddressInfo | null)?.port ?? config.port,
              config.prefix,
              signer,
              config.signedUrlTtlSeconds,
              config.signedUrlMaxTtlSeconds,
            ),
        },
        {
          provide: FileRoute,
          inject: [DirectHttpRoutes, ArtifactMetrics, SERVICE_LOGGER],
          useFactory: (routes: DirectHttpRoutes, metrics: ArtifactMetrics, logger: Logger) => {
            const route = new FileRoute(config.prefix, store, signer, metrics, logger.child({ component: 'FileRoute' }));
            routes.add(route.urlPrefix, route.handle);
            return route;
          },
        },
      ],
    };
  }
}
