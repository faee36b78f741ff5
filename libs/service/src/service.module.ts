import {
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Module,
  Res,
  type DynamicModule,
  type OnModuleDestroy,
  type Type,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { DirectHttpRoutes } from './http-server';
import { ServiceLifecycle } from './lifecycle';
import type { GracefulShutdown } from './shutdown';

/** Injection token of the service's root pino logger (`@Inject(SERVICE_LOGGER) logger: Logger`). */
export const SERVICE_LOGGER = Symbol('SERVICE_LOGGER');

/** Injection token of the service's Prometheus registry (`@Inject(SERVICE_METRICS) registry: Registry`). */
export const SERVICE_METRICS = Symbol('SERVICE_METRICS');

/** The part of Fastify's reply the health endpoint uses. */
interface StatusReply {
  status(code: number): unknown;
}

/** `GET /healthz`: 200 while the service is ready, 503 while it starts or drains. */
@Controller()
export class HealthController {
  constructor(@Inject(ServiceLifecycle) private readonly lifecycle: ServiceLifecycle) {}

  @Get('healthz')
  @Header('Cache-Control', 'no-store')
  health(@Res({ passthrough: true }) reply: StatusReply): { status: string } {
    const state = this.lifecycle.state;
    reply.status(state === 'ready' ? 200 : 503);
    return { status: state };
  }
}

/** `GET /metrics`: the service's registry in Prometheus' text format. */
@Controller()
export class MetricsController {
  constructor(@Inject(SERVICE_METRICS) private readonly registry: Registry) {}

  @Get('metrics')
  @HttpCode(200)
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

/** What the bootstrap hands to the modules it builds. */
export interface ServiceContext {
  logger: Logger;
  metrics: Registry;
  lifecycle: ServiceLifecycle;
  routes: DirectHttpRoutes;
  shutdown: GracefulShutdown;
}

/**
 * The service's shared providers (logger, metrics, lifecycle, direct routes), global so that
 * every module of the service can inject them, and the health and metrics endpoints.
 */
@Module({})
export class ServiceCoreModule {
  /** @internal built by the bootstrap. */
  static forContext(context: ServiceContext): DynamicModule {
    const providers = [
      { provide: SERVICE_LOGGER, useValue: context.logger },
      { provide: SERVICE_METRICS, useValue: context.metrics },
      { provide: ServiceLifecycle, useValue: context.lifecycle },
      { provide: DirectHttpRoutes, useValue: context.routes },
    ];
    return {
      module: ServiceCoreModule,
      global: true,
      controllers: [HealthController, MetricsController],
      providers,
      exports: providers.map((provider) => provider.provide),
    };
  }
}

/**
 * Drains the service when Nest closes the application. It lives in the root module, whose
 * `onModuleDestroy` Nest calls before any other module's, so requests in flight finish while
 * every provider they use is still there.
 */
class DrainOnDestroy implements OnModuleDestroy {
  constructor(private readonly shutdown: GracefulShutdown) {}

  onModuleDestroy(): Promise<void> {
    return this.shutdown.drain();
  }
}

/** @internal The root the bootstrap creates: the core, the service's own module, the drain. */
@Module({})
export class ServiceRootModule {
  static forService(module: Type<unknown> | DynamicModule, context: ServiceContext): DynamicModule {
    return {
      module: ServiceRootModule,
      imports: [ServiceCoreModule.forContext(context), module],
      providers: [{ provide: DrainOnDestroy, useValue: new DrainOnDestroy(context.shutdown) }],
    };
  }
}
