import type { ServerCredentials } from '@grpc/grpc-js';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ServerGrpc, type CustomStrategy, type GrpcOptions } from '@nestjs/microservices';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { GRPC_LOADER_OPTIONS } from '@mesoflow/proto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ServiceError, ServiceErrorCode } from './errors';
import { DirectHttpRoutes, type TlsMaterial } from './http-server';
import { ServiceLifecycle } from './lifecycle';
import { createServiceLogger, NestPinoLogger } from './logger';
import { createMetricsRegistry } from './metrics';
import { ServiceRootModule } from './service.module';
import { GracefulShutdown, type GrpcServerHandle } from './shutdown';

/** The HTTP(S) port every service has: health, metrics and the service's own routes. */
export interface ServiceHttpOptions {
  /** 0 picks a free port (see {@link RunningService.httpUrl}). */
  port: number;
  /** @default '0.0.0.0' */
  host?: string;
  /** Serve HTTPS with this certificate and key instead of plain HTTP. */
  tls?: TlsMaterial;
}

/** A gRPC port served by Nest's gRPC transport next to the HTTP one (a hybrid application). */
export interface ServiceGrpcOptions {
  /** `host:port` to bind; the port must be given (grpc-js does not report a picked one). */
  url: string;
  /** Proto package(s) served, e.g. `mesoflow.artifacts.v1`. */
  package: string | string[];
  /** `.proto` file(s), absolute or relative to the loader's include dirs. */
  protoPath: string | string[];
  /** @default GRPC_LOADER_OPTIONS from `@mesoflow/proto`, which match the generated types */
  loader?: NonNullable<GrpcOptions['options']['loader']>;
  /** Largest message accepted, in bytes. @default 4 MiB (grpc-js' default) */
  maxReceiveMessageLength?: number;
  /** How the port is secured, e.g. `ServerCredentials.createSsl(…)` for TLS. @default plaintext */
  credentials?: ServerCredentials;
}

/** Options for {@link bootstrapService}. */
export interface ServiceOptions {
  /** The service's name, on every log line and in shutdown messages, e.g. `artifact-server`. */
  name: string;
  /** The service's root Nest module. */
  module: Type<unknown> | DynamicModule;
  http: ServiceHttpOptions;
  grpc?: ServiceGrpcOptions;
  /** @default a pino logger at info level on standard output */
  logger?: Logger;
  /** @default a new registry with the default process metrics */
  metrics?: Registry;
  /**
   * Signals that drain the service and exit the process with status 0. `false` leaves signals to
   * the caller (tests, or a process that runs several services), who calls `close()`.
   * @default ['SIGTERM', 'SIGINT']
   */
  shutdownSignals?: NodeJS.Signals[] | false;
  /** How long a shutdown waits for requests in flight before cutting them. @default 10000 */
  drainTimeoutMs?: number;
}

/** A started service. */
export interface RunningService {
  readonly app: NestFastifyApplication;
  /** Where the HTTP(S) port listens, e.g. `http://127.0.0.1:43117`. */
  readonly httpUrl: string;
  /** The bound HTTP(S) port. */
  readonly httpPort: number;
  readonly lifecycle: ServiceLifecycle;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Drains and closes everything (as a shutdown signal would) without exiting the process. */
  close(): Promise<void>;
}

/** Nest's gRPC server, letting the shutdown reach the grpc-js server to drain it with a deadline. */
class DrainableGrpcServer extends ServerGrpc {
  get handle(): GrpcServerHandle | undefined {
    return (this.grpcClient as GrpcServerHandle | null) ?? undefined;
  }
}

const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
const DEFAULT_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Starts a Mesoflow service: a Nest application on Fastify (with direct routes for hot paths),
 * an optional gRPC port, pino logs, Prometheus metrics at `/metrics`, health at `/healthz`
 * (200 once every port listens, 503 before and while draining), and a graceful shutdown on
 * SIGTERM/SIGINT through Nest's shutdown hooks: drain, close gRPC, run the modules' destroy and
 * shutdown hooks, exit 0.
 *
 * @throws ServiceError when an option is invalid or a port cannot be bound.
 */
export async function bootstrapService(options: ServiceOptions): Promise<RunningService> {
  const { name, http } = options;
  if (!Number.isInteger(http.port) || http.port < 0 || http.port > 65_535) {
    throw new ServiceError(ServiceErrorCode.INVALID_OPTION, `The HTTP port of '${name}' must be an integer in 0..65535, not ${http.port}`);
  }
  const logger = options.logger ?? createServiceLogger({ service: name });
  const metrics = options.metrics ?? createMetricsRegistry();
  const lifecycle = new ServiceLifecycle();
  const routes = new DirectHttpRoutes(logger);
  const shutdown = new GracefulShutdown(name, lifecycle, routes, logger, options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);

  const adapter = new FastifyAdapter({
    serverFactory: (handler: (request: IncomingMessage, response: ServerResponse) => void) => routes.createServer(handler, http.tls),
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    ServiceRootModule.forService(options.module, { logger, metrics, lifecycle, routes, shutdown }),
    adapter,
    { logger: new NestPinoLogger(logger), abortOnError: false },
  );
  try {
    if (options.grpc) {
      const grpc = options.grpc;
      const server = new DrainableGrpcServer({
        url: grpc.url,
        package: grpc.package,
        protoPath: grpc.protoPath,
        loader: grpc.loader ?? { ...GRPC_LOADER_OPTIONS, includeDirs: [...GRPC_LOADER_OPTIONS.includeDirs] },
        ...(grpc.maxReceiveMessageLength === undefined ? {} : { maxReceiveMessageLength: grpc.maxReceiveMessageLength }),
        ...(grpc.credentials === undefined ? {} : { credentials: grpc.credentials }),
      });
      app.connectMicroservice<CustomStrategy>({ strategy: server }, { inheritAppConfig: true });
      shutdown.useGrpcServers(() => (server.handle ? [server.handle] : []));
    }
    if (options.shutdownSignals !== false) {
      app.enableShutdownHooks(options.shutdownSignals ?? DEFAULT_SIGNALS, { useProcessExit: true });
    }
    // HTTP first, so that whatever the gRPC side hands out (URLs, ports) can name the bound port.
    await app.listen({ port: http.port, host: http.host ?? '0.0.0.0' });
    await app.startAllMicroservices();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw new ServiceError(ServiceErrorCode.LISTEN_FAILED, `Service '${name}' could not start: ${(error as Error).message}`, { cause: error });
  }

  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const httpUrl = `${http.tls ? 'https' : 'http'}://${host}:${address.port}`;
  lifecycle.markReady();
  logger.info({ http: httpUrl, grpc: options.grpc?.url }, `Service '${name}' is ready at '${httpUrl}'${options.grpc ? ` and gRPC '${options.grpc.url}'` : ''}`);

  return {
    app,
    httpUrl,
    httpPort: address.port,
    lifecycle,
    logger,
    metrics,
    close: async () => {
      await app.close();
      lifecycle.markStopped();
    },
  };
}
