import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { TokenAuth } from './auth/token-auth';
import { JobServiceController } from './grpc/job-service.controller';
import { JobGateway } from './jobs/job-gateway';
import { JobsRestController } from './rest/jobs.controller';

const STOP_GATEWAY = Symbol('STOP_GATEWAY');

/** Closes the runner and the queue after Nest has drained the ports (SIGTERM, or `close()`). */
class GatewayShutdown implements OnApplicationShutdown {
  constructor(@Inject(STOP_GATEWAY) private readonly stop: () => Promise<void>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }
}

/** What the module is made of; everything is built by the caller. */
export interface DispatcherGatewayModuleOptions {
  gateway: JobGateway;
  auth: TokenAuth;
  /** Closes what the gateway holds (runner, queue, resource manager client). */
  stop: () => Promise<void>;
}

/** The dispatcher gateway: JobService over gRPC, the REST API, and its shutdown. */
@Module({})
export class DispatcherGatewayModule {
  static forOptions(options: DispatcherGatewayModuleOptions): DynamicModule {
    return {
      module: DispatcherGatewayModule,
      controllers: [JobServiceController, JobsRestController],
      providers: [
        { provide: JobGateway, useValue: options.gateway },
        { provide: TokenAuth, useValue: options.auth },
        { provide: STOP_GATEWAY, useValue: options.stop },
        GatewayShutdown,
      ],
    };
  }
}
