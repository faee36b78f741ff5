/**
 * What every Mesoflow service shares: the bootstrap (Nest on Fastify, optional gRPC, direct
 * routes for hot paths, TLS from a PKCS#12 keystore), pino logs, Prometheus metrics, health,
 * and a graceful shutdown.
 */
export { bootstrapService } from './bootstrap';
export type { RunningService, ServiceGrpcOptions, ServiceHttpOptions, ServiceOptions } from './bootstrap';
export { ServiceError, ServiceErrorCode } from './errors';
export { DirectHttpRoutes } from './http-server';
export type { DirectRequestHandler, TlsMaterial } from './http-server';
export { readPkcs12Keystore } from './keystore';
export { ServiceLifecycle } from './lifecycle';
export type { ServiceState } from './lifecycle';
export { createServiceLogger, NestPinoLogger } from './logger';
export type { ServiceLoggerOptions } from './logger';
export { createMetricsRegistry } from './metrics';
export { SERVICE_LOGGER, SERVICE_METRICS } from './service.module';
