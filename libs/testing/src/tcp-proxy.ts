import { connect, createServer, type Server, type Socket } from 'node:net';

/** A loopback TCP proxy whose link can be cut and healed, to partition a client from its server in tests. */
export interface TcpProxy {
  /** `127.0.0.1:<port>`, to connect to instead of the target. */
  readonly address: string;
  /** Drops every connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  heal(): Promise<void>;
  /**
   * Stops forwarding bytes but keeps every socket open, like a partition that drops packets: the
   * client hears no close, only silence. Undone by {@link cut} then {@link heal}.
   */
  freeze(): void;
  /** Cuts for good. */
  stop(): Promise<void>;
}

/** Starts a {@link TcpProxy} to `host:port`. */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  let listenPort = 0;
  const sockets = new Set<Socket>();
  const pairs = new Set<[Socket, Socket]>();
  let frozen = false;
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
        const pair: [Socket, Socket] = [client, upstream];
        pairs.add(pair);
        client.on('close', () => pairs.delete(pair));
        if (frozen) return;
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
    frozen = false;
    for (const socket of sockets) socket.destroy();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  const freeze = (): void => {
    frozen = true;
    for (const [client, upstream] of pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  };

  await heal();
  return { address: `127.0.0.1:${listenPort}`, cut, heal, freeze, stop: cut };
}
