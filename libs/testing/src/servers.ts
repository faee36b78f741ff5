import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';

/** A real server started for a test on loopback. */
export interface TestServer {
  host: string;
  port: number;
  /** Folder holding the server's data and log. */
  dir: string;
  /** Stops the server; `restart` brings it back on the same port with the same data. */
  stop(): Promise<void>;
  /** Kills and restarts the server with its data kept (for fault tests). */
  restart(): Promise<void>;
}

/** A ZooKeeper server: `connectString` is `host:port`. */
export interface TestZooKeeper extends TestServer {
  connectString: string;
}

/** A Redis server with append-only persistence: `url` is `redis://host:port`. */
export interface TestRedis extends TestServer {
  url: string;
}

/** Sends one line to a TCP server and resolves with everything it answers before closing. */
function ask(port: number, host: string, line: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    let answer = '';
    socket.setTimeout(1_000);
    socket.on('connect', () => socket.write(line));
    socket.on('data', (data) => {
      answer += data.toString();
    });
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => resolve(''));
    socket.on('close', () => resolve(answer));
  });
}

function testDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `mesoflow-${name}-`));
}

async function serve(server: ManagedProcess, host: string, port: number, dir: string): Promise<TestServer> {
  await server.start();
  return {
    host,
    port,
    dir,
    stop: () => server.stop(),
    restart: async () => {
      await server.stop('SIGKILL');
      await server.start();
    },
  };
}

/** The Debian package's launcher; `npm test` installs the package when it is missing. */
const ZK_SERVER = '/usr/share/zookeeper/bin/zkServer.sh';

/**
 * Starts a standalone ZooKeeper server (Debian's `zookeeper` package) on a free loopback port.
 * A short tick lets tests use session timeouts of a second or two.
 */
export async function startZooKeeper({ tickTimeMs = 500 } = {}): Promise<TestZooKeeper> {
  const host = '127.0.0.1';
  const port = await freePort();
  const dir = testDir('zk');
  const config = join(dir, 'zoo.cfg');
  writeFileSync(
    config,
    [
      `tickTime=${tickTimeMs}`,
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      `clientPortAddress=${host}`,
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr',
      'maxClientCnxns=0',
    ].join('\n') + '\n',
  );
  const server = new ManagedProcess({
    name: 'zookeeper',
    command: ZK_SERVER,
    args: ['start-foreground', config],
    logFile: join(dir, 'zookeeper.log'),
    env: { ...process.env, ZOO_LOG_DIR: dir, ZOOCFGDIR: dir },
    ready: async () => (await ask(port, host, 'ruok')) === 'imok',
  });
  return { ...(await serve(server, host, port, dir)), connectString: `${host}:${port}` };
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /**
   * When the append-only file is synced: `always` puts every acknowledged write on disk before
   * the reply (for tests that SIGKILL Redis and count on acknowledged writes).
   * @default Redis' own default, `everysec`
   */
  appendfsync?: 'always' | 'everysec';
}

/** Starts a Redis server with append-only persistence on a free loopback port. */
export async function startRedis({ appendfsync }: StartRedisOptions = {}): Promise<TestRedis> {
  const host = '127.0.0.1';
  const port = await freePort();
  const dir = testDir('redis');
  const server = new ManagedProcess({
    name: 'redis',
    command: 'redis-server',
    args: ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'yes', '--dir', dir,
      ...(appendfsync ? ['--appendfsync', appendfsync] : []),
    ],
    logFile: join(dir, 'redis.log'),
    ready: async () => (await ask(port, host, 'PING\r\nQUIT\r\n')).startsWith('+PONG'),
  });
  return { ...(await serve(server, host, port, dir)), url: `redis://${host}:${port}` };
}
