import type { Logger } from 'pino';
import type { DirectHttpRoutes } from './http-server';
import type { ServiceLifecycle } from './lifecycle';

/** The part of a grpc-js `Server` a shutdown needs. */
export interface GrpcServerHandle {
  tryShutdown(callback: (error?: Error) => void): void;
  forceShutdown(): void;
}

/**
 * Stops a service in order: health turns 503, the HTTP server stops accepting and the requests
 * in flight finish, gRPC stops taking calls and lets the running ones finish; whatever is
 * still running at the deadline is cut. Runs once, however often it is asked.
 */
export class GracefulShutdown {
  private drained: Promise<void> | undefined;
  private grpcServers: () => GrpcServerHandle[] = () => [];

  constructor(
    private readonly name: string,
    private readonly lifecycle: ServiceLifecycle,
    private readonly routes: DirectHttpRoutes,
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  /** @internal tells where the gRPC servers are, once the application has them. */
  useGrpcServers(servers: () => GrpcServerHandle[]): void {
    this.grpcServers = servers;
  }

  /** Drains the service (once); resolves when everything has finished or was cut. */
  drain(): Promise<void> {
    this.drained ??= this.run();
    return this.drained;
  }

  private async run(): Promise<void> {
    this.lifecycle.beginDrain();
    const deadline = Date.now() + this.timeoutMs;
    this.logger.info(
      `Service '${this.name}' is draining: no new connections, ${this.routes.requestsInFlight} HTTP requests in flight, up to ${this.timeoutMs} ms to finish`,
    );
    const [httpFinished, ...grpcFinished] = await Promise.all([
      this.routes.drain(deadline),
      ...this.grpcServers().map((server) => shutdownGrpc(server, deadline)),
    ]);
    if (httpFinished && grpcFinished.every(Boolean)) {
      this.logger.info(`Service '${this.name}' has drained`);
    } else {
      this.logger.warn(`Service '${this.name}' cut the requests still running after ${this.timeoutMs} ms`);
    }
  }
}

function shutdownGrpc(server: GrpcServerHandle, deadline: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve(false);
    }, Math.max(0, deadline - Date.now()));
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
