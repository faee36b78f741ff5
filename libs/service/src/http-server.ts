import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Logger } from 'pino';

/**
 * Handles one request completely (status, headers, body), outside Nest's router. Meant for hot
 * paths where the framework's per-request cost shows, such as serving files.
 */
export type DirectRequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** PEM certificate chain and private key for HTTPS. */
export interface TlsMaterial {
  cert: string | Buffer;
  key: string | Buffer;
}

interface DirectRoute {
  prefix: string;
  handler: DirectRequestHandler;
}

/**
 * The service's HTTP(S) server in front of Fastify: requests whose path starts with a prefix
 * added here go straight to their handler, everything else to Nest's Fastify router. It also
 * counts requests in flight, so a shutdown can wait for them.
 *
 * Services get it by injection (`@Inject(DirectHttpRoutes)`) and add their routes while their
 * module initialises.
 */
export class DirectHttpRoutes {
  private readonly routes: DirectRoute[] = [];
  private server: Server | undefined;
  private inFlight = 0;
  private draining = false;
  private idle: (() => void) | undefined;

  /** @param logger for handlers that throw. */
  constructor(private readonly logger: Logger) {}

  /**
   * Sends every request whose raw URL starts with `prefix` (e.g. `/cluster-1/`) to `handler`.
   * The prefix is compared with the URL as received, before any decoding.
   */
  add(prefix: string, handler: DirectRequestHandler): void {
    if (!prefix.startsWith('/')) throw new TypeError(`A direct route prefix must start with '/', not '${prefix}'`);
    this.routes.push({ prefix, handler });
  }

  /** Requests received and not yet answered. */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** @internal Fastify's `serverFactory`: builds the node server around Fastify's handler. */
  createServer(fastifyHandler: (request: IncomingMessage, response: ServerResponse) => void, tls?: TlsMaterial): Server {
    const onClosed = (): void => {
      this.inFlight -= 1;
      if (this.inFlight === 0 && this.idle) this.idle();
    };
    const listener = (request: IncomingMessage, response: ServerResponse): void => {
      this.inFlight += 1;
      response.once('close', onClosed);
      if (this.draining) response.setHeader('Connection', 'close');
      const url = request.url ?? '/';
      for (const route of this.routes) {
        if (url.startsWith(route.prefix)) {
          this.dispatch(route.handler, request, response);
          return;
        }
      }
      fastifyHandler(request, response);
    };
    const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener) : createHttpServer(listener);
    // Keep-alive connections outlive a typical client's idle pause (Node's 5 s is short for
    // fetchers that download several files in a row); headers must still arrive promptly.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    this.server = server;
    return server;
  }

  /**
   * Stops accepting connections, closes idle ones, answers the remaining requests with
   * `Connection: close`, and resolves when none is in flight or at `deadline` (epoch ms), when
   * the connections still open are cut. Resolves true if everything finished in time.
   */
  async drain(deadline: number): Promise<boolean> {
    const server = this.server;
    if (!server) return true;
    this.draining = true;
    if (server.listening) server.close();
    server.closeIdleConnections();
    if (this.inFlight === 0) return true;
    const finished = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
      this.idle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    this.idle = undefined;
    if (!finished) server.closeAllConnections();
    return finished;
  }

  private dispatch(handler: DirectRequestHandler, request: IncomingMessage, response: ServerResponse): void {
    try {
      handler(request, response);
    } catch (error) {
      this.logger.error({ err: error, url: request.url }, 'A direct HTTP handler threw; answering 500');
      if (!response.headersSent) {
        response.statusCode = 500;
        response.end();
      } else {
        response.destroy();
      }
    }
  }
}
