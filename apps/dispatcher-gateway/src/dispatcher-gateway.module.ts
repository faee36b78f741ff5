import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { TokenAuth } from './auth/token-auth';
import { JobServiceController } from './grpc/job-service.controller';
import { JobGateway } from './jobs/job-gateway';
import { JobsRestController } from './rest/jobs.controller';
import { LiveEvents } from './web/live-events';
import { WebApiController, WebUiController } from './web/web.controllers';
import { WebUiFiles } from './web/web-ui-files';
import { WebViews } from './web/web-views';

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
  /** The web UI's read API, its live events and its files. */
  views: WebViews;
  live: LiveEvents;
  files: WebUiFiles;
  /** Closes what the gateway holds (runner, queue, resource manager client). */
  stop: () => Promise<void>;
}

/** The dispatcher gateway: JobService over gRPC, the REST API, the web UI with its API, and its shutdown. */
@Module({})
export class DispatcherGatewayModule {
  static forOptions(options: DispatcherGatewayModuleOptions): DynamicModule {
    return {
      module: DispatcherGatewayModule,
      // WebUiController last: its catch-all GET takes only the paths no other route takes.
      controllers: [JobServiceController, JobsRestController, WebApiController, WebUiController],
      providers: [
        { provide: JobGateway, useValue: options.gateway },
        { provide: TokenAuth, useValue: options.auth },
        { provide: WebViews, useValue: options.views },
        { provide: LiveEvents, useValue: options.live },
        { provide: WebUiFiles, useValue: options.files },
        { provide: STOP_GATEWAY, useValue: options.stop },
        GatewayShutdown,
      ],
    };
  }
}
