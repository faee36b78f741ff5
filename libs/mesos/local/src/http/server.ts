import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { LocalMesosError, LocalMesosErrorCode } from '../errors';
import { handleSchedulerRequest, type SchedulerEndpointContext } from './scheduler-endpoint';
import { redirectLocation } from '../zk/leader-watch';
import { sendJson, sendText, sendToLeader } from './responses';

/** The largest request body accepted (calls are small; a huge body is a client bug). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Fault injection over HTTP, under the test-only `/__test/` prefix. */
export interface TestControls {
  removeAgent(agentId: string): Promise<void>;
  disconnectAgent(agentId: string): Promise<void>;
  reconnectAgent(agentId: string): Promise<void>;
  restartMaster(options?: { downtimeMs?: number }): Promise<void>;
  dropStream(frameworkId: string): Promise<void>;
}

/** Everything the HTTP server routes to. */
export interface HttpContext extends SchedulerEndpointContext {
  /** The `/master/state` document. */
  state(): Record<string, unknown>;
  readonly controls: TestControls;
}

/** The master's HTTP server plus the sockets it has open (a crash closes them all). */
export interface MasterHttpServer {
  readonly server: Server;
  /** Destroys every open connection, as a dying master does. */
  destroyConnections(): void;
}

/** Creates the HTTP server of the master (not yet listening). */
export function createMasterHttpServer(context: HttpContext): MasterHttpServer {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => route(req, res, body, context))
      .catch((error: unknown) => {
        context.logger.error({ err: error }, `Request '${req.method} ${req.url}' failed`);
        if (!res.headersSent) sendText(res, 500, 'Internal Server Error');
        else res.destroy();
      });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  return {
    server,
    destroyConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`Request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function route(req: IncomingMessage, res: ServerResponse, body: Buffer, context: HttpContext): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  // Every master route lives under `/master`; the master is also the default delegate.
  const path = url.pathname.startsWith('/master/') ? url.pathname.slice('/master'.length) : url.pathname;
  if (path === '/api/v1/scheduler') return handleSchedulerRequest(req, res, body, context);
  if (path === '/state') {
    // Read endpoints of a standby redirect like the scheduler endpoint.
    const leadership = context.leadership();
    if (leadership.kind !== 'leading') return sendToLeader(res, leadership, req.url ?? '');
    return sendJson(res, 200, context.state());
  }
  if (path === '/health') return sendText(res, 200, '');
  if (path === '/redirect') {
    // To the leader, even from the leader itself.
    const leadership = context.leadership();
    if (leadership.kind !== 'leading') return sendToLeader(res, leadership, '');
    return sendText(res, 307, '', { Location: redirectLocation(context.master.config) });
  }
  if (path === '/metrics' && url.pathname === '/metrics') {
    const text = await context.metrics.registry.metrics();
    res.writeHead(200, { 'Content-Type': context.metrics.registry.contentType });
    res.end(text);
    return;
  }
  if (url.pathname === '/healthz') return sendText(res, 200, 'ok');
  if (url.pathname.startsWith('/__test/')) return testControl(req, res, url.pathname, context.controls);
  return sendText(res, 404, '');
}

async function testControl(req: IncomingMessage, res: ServerResponse, path: string, controls: TestControls): Promise<void> {
  if (req.method !== 'POST') return sendText(res, 405, 'Test controls take POST', { Allow: 'POST' });
  const parts = path.split('/').filter((part) => part !== '').map(decodeURIComponent);
  try {
    if (parts.length === 4 && parts[1] === 'agents') {
      const [, , agentId, action] = parts;
      if (action === 'remove') await controls.removeAgent(agentId);
      else if (action === 'disconnect') await controls.disconnectAgent(agentId);
      else if (action === 'reconnect') await controls.reconnectAgent(agentId);
      else return sendText(res, 404, `Unknown agent control '${action}'`);
    } else if (parts.length === 3 && parts[1] === 'master' && parts[2] === 'restart') {
      // The response is sent before the restart breaks every connection, this one included.
      sendJson(res, 200, { ok: true });
      await controls.restartMaster();
      return;
    } else if (parts.length === 4 && parts[1] === 'frameworks' && parts[3] === 'drop-stream') {
      await controls.dropStream(parts[2]);
    } else {
      return sendText(res, 404, `Unknown test control '${path}'`);
    }
  } catch (error) {
    if (error instanceof LocalMesosError) {
      const status = error.code === LocalMesosErrorCode.UNKNOWN_AGENT || error.code === LocalMesosErrorCode.UNKNOWN_FRAMEWORK ? 404 : 409;
      return sendText(res, status, error.message);
    }
    throw error;
  }
  sendJson(res, 200, { ok: true });
}
