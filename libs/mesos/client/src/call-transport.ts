import http from 'node:http';
import https from 'node:https';
import type { MesosTlsOptions } from './client-options';

/** A parsed endpoint, ready for `http.request` options. */
export interface EndpointParts {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  path: string;
}

/** Splits an endpoint URL once, so each call does not parse it again. */
export function endpointParts(endpoint: string): EndpointParts {
  const url = new URL(endpoint);
  const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
  const port = url.port ? Number(url.port) : protocol === 'https:' ? 443 : 80;
  // `hostname` keeps IPv6 brackets, which http.request does not want.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { protocol, hostname, port, path: `${url.pathname}${url.search}` };
}

/** What a master answered to a call. */
export interface CallAnswer {
  status: number;
  body: Buffer;
}

/** Settings of {@link CallTransport}. */
export interface CallTransportOptions {
  maxConnections: number;
  timeoutMs: number;
  tls: MesosTlsOptions;
}

/**
 * Sends non-SUBSCRIBE calls over pooled keep-alive connections (one agent per scheme), so a call
 * costs one request on a warm socket instead of a TCP handshake. Concurrent calls spread over
 * up to `maxConnections` sockets and queue beyond.
 */
export class CallTransport {
  private httpAgent: http.Agent | undefined;
  private httpsAgent: https.Agent | undefined;
  private destroyed = false;

  constructor(private readonly options: CallTransportOptions) {}

  /**
   * POSTs `body` and resolves with the status and the whole answer body.
   * Rejects on socket errors, on the timeout, and after {@link destroy}.
   */
  post(target: EndpointParts, headers: http.OutgoingHttpHeaders, body: Buffer): Promise<CallAnswer> {
    return new Promise((resolve, reject) => {
      if (this.destroyed) {
        reject(new Error('the call transport is closed'));
        return;
      }
      const isHttps = target.protocol === 'https:';
      const request = (isHttps ? https.request : http.request)(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          path: target.path,
          method: 'POST',
          headers,
          agent: isHttps ? this.https() : this.http(),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            resolve({
              status: response.statusCode ?? 0,
              body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
            });
          });
          response.on('error', reject);
        },
      );
      request.setTimeout(this.options.timeoutMs, () => {
        request.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`));
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  /** Destroys the pooled sockets; calls in flight fail, later calls are refused. */
  destroy(): void {
    this.destroyed = true;
    this.httpAgent?.destroy();
    this.httpsAgent?.destroy();
    this.httpAgent = undefined;
    this.httpsAgent = undefined;
  }

  private http(): http.Agent {
    this.httpAgent ??= new http.Agent({ keepAlive: true, maxSockets: this.options.maxConnections, scheduling: 'lifo' });
    return this.httpAgent;
  }

  private https(): https.Agent {
    this.httpsAgent ??= new https.Agent({
      keepAlive: true,
      maxSockets: this.options.maxConnections,
      scheduling: 'lifo',
      ...this.options.tls,
    });
    return this.httpsAgent;
  }
}
