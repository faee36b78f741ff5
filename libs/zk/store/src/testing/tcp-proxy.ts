import { connect, createServer, type Server, type Socket } from 'node:net';

/** A loopback TCP proxy whose link can be cut and healed, to partition a client from its server in tests. */
export interface TcpProxy {
  /** `127.0.0.1:<port>`, to connect to instead of the target. */
  readonly address: string;
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  heal(): Promise<void>;
  /** Cuts for good. */
  stop(): Promise<void>;
}

/** Starts a {@link TcpProxy} to `host:port`. */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  let listenPort = 0;
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  const track = (socket: Socket, peer: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => peer.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      peer.destroy();
    });
  };

  const heal = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = connect(port, host);
        track(client, upstream);
        track(upstream, client);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      next.once('error', reject);
      next.listen(listenPort, '127.0.0.1', () => {
        const address = next.address();
        if (address && typeof address === 'object') listenPort = address.port;
        resolve();
      });
      server = next;
    });

  const cut = async (): Promise<void> => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await heal();
  return { address: `127.0.0.1:${listenPort}`, cut, heal, stop: cut };
}
