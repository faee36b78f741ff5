import type { Logger } from 'pino';
import { decodeMesos } from '@mesoflow/mesos-codec';
import { mesos } from '@mesoflow/proto';
import { LocalMesosError, LocalMesosErrorCode } from '../errors';
import { callback, isNoNode, openSession, SESSION_TIMEOUT_MS, type ZkClient, type ZooKeeperUrl } from './session';

/** Pause before listing the group again after a ZooKeeper error. */
const RETRY_MS = 500;

/** The leading master, as its group member's MasterInfo describes it. */
export interface LeaderInfo {
  /** The member's znode, e.g. `/mesos/json.info_0000000003`. */
  node: string;
  /** The master's ID. */
  id: string;
  /** `MasterInfo.hostname`, used in redirects as Mesos does. */
  hostname: string;
  port: number;
  /** `master@ip:port`. */
  pid: string;
}

/** Where a stand-in master stands among the masters contending under one ZooKeeper path. */
export type Leadership =
  /** Its own node has the lowest sequence (or it runs without ZooKeeper). */
  | { kind: 'leading' }
  /** Another master leads: scheduler calls are redirected there. */
  | { kind: 'standby'; leader: LeaderInfo }
  /** No leader is known (yet): scheduler calls get 503. */
  | { kind: 'no-leader' };

/**
 * Splits a child of the master group path as Mesos' detector does: the last `_`-separated token
 * is the sequence, the first (when there is more than one) the label. Children whose last token
 * is not a number (such as the registry's `log_replicas`) are not members.
 */
export function parseMember(name: string): { sequence: number; label: string } | null {
  const tokens = name.split('_');
  const last = tokens[tokens.length - 1];
  if (!/^\d+$/.test(last)) return null;
  return { sequence: Number(last), label: tokens.length > 1 ? tokens[0] : '' };
}

/** The member with the lowest sequence, whatever its label; `null` when the group is empty. */
export function electedMember(children: readonly string[]): string | null {
  let elected: { name: string; sequence: number } | null = null;
  for (const name of children) {
    const member = parseMember(name);
    if (member && (elected === null || member.sequence < elected.sequence)) elected = { name, sequence: member.sequence };
  }
  return elected?.name ?? null;
}

interface MasterInfoFields {
  id?: string | null;
  hostname?: string | null;
  port?: number | null;
  pid?: string | null;
  address?: { hostname?: string | null; ip?: string | null; port?: number | null } | null;
}

/**
 * Reads a group member's data by its label: `json.info` (MasterInfo as JSON, current Mesos),
 * `info` (binary MasterInfo, before 0.24) or none (a bare `master@ip:port` PID).
 * @throws LocalMesosError `ZOOKEEPER` for an unknown label or data naming no host and port.
 */
export function leaderFromMemberData(node: string, label: string, data: Buffer): LeaderInfo {
  let info: MasterInfoFields;
  try {
    if (label === 'json.info') info = JSON.parse(data.toString('utf8')) as MasterInfoFields;
    else if (label === 'info') info = decodeMesos(mesos.v1.MasterInfo, data, 'application/x-protobuf');
    else if (label === '') info = { pid: data.toString('utf8').trim() };
    else throw new Error(`the label '${label}' is unknown`);
  } catch (error) {
    throw unusable(node, (error as Error).message);
  }
  const fromPid = /^[^@]+@([^:]+):(\d+)$/.exec(info.pid ?? '');
  const hostname = info.hostname || info.address?.hostname || info.address?.ip || fromPid?.[1];
  const port = Number(info.port || info.address?.port || fromPid?.[2]);
  if (!hostname || !Number.isInteger(port) || port <= 0) throw unusable(node, 'it names no host and port');
  return { node, id: info.id ?? '', hostname, port, pid: info.pid || `master@${hostname}:${port}` };
}

function unusable(node: string, problem: string): LocalMesosError {
  return new LocalMesosError(LocalMesosErrorCode.ZOOKEEPER, `Master group member '${node}' is unusable: ${problem}`);
}

/**
 * Where a master stands, given the group's leader and the master's own node and address.
 * A leader at the master's own address under another node is the master's previous
 * registration (it is registering again): no leader is known until the group shows the new one.
 */
export function leadershipOf(leader: LeaderInfo | null, self: { node: string | null; hostname: string; port: number }): Leadership {
  if (leader === null) return { kind: 'no-leader' };
  if (leader.node === self.node) return { kind: 'leading' };
  if (leader.hostname === self.hostname && leader.port === self.port) return { kind: 'no-leader' };
  return { kind: 'standby', leader };
}

/**
 * The `Location` of a redirect to the leader: protocol-relative, `//<hostname>:<port><path>`
 * (the requested path and query for the scheduler endpoint, none for `/redirect`).
 */
export function redirectLocation(leader: { hostname: string; port: number }, path = ''): string {
  const host = leader.hostname.includes(':') && !leader.hostname.startsWith('[') ? `[${leader.hostname}]` : leader.hostname;
  return `//${host}:${leader.port}${path}`;
}

/**
 * Watches the master group under a ZooKeeper path the way a contending Mesos master does: keeps
 * a children watch, elects the lowest sequence and reads its MasterInfo. Runs its own session,
 * opened again when it expires.
 */
export class LeaderWatch {
  private client: ZkClient | null = null;
  private current: LeaderInfo | null = null;
  private members: ReadonlySet<string> = new Set();
  private generation = 0;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly waiters = new Set<{ node: string; resolve: () => void }>();

  /**
   * @param url the group path and servers.
   * @param logger for leader changes and ZooKeeper trouble.
   * @param onChange called whenever the elected leader changes (`null`: none).
   */
  constructor(
    private readonly url: ZooKeeperUrl,
    private readonly logger: Logger,
    private readonly onChange: (leader: LeaderInfo | null) => void,
  ) {}

  /** The leader as of the last listing of the group. */
  get leader(): LeaderInfo | null {
    return this.current;
  }

  /**
   * Opens the session and lists the group once.
   * @throws LocalMesosError `ZOOKEEPER` when ZooKeeper cannot be reached.
   */
  async start(): Promise<void> {
    await this.connect();
    await this.refresh();
  }

  /**
   * Resolves once a listing of the group has included `node` (so the leadership computed from it
   * takes that registration into account).
   * @throws LocalMesosError `ZOOKEEPER` after `timeoutMs`.
   */
  seen(node: string, timeoutMs = SESSION_TIMEOUT_MS): Promise<void> {
    if (this.members.has(node)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        node,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new LocalMesosError(LocalMesosErrorCode.ZOOKEEPER, `ZooKeeper did not list '${node}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
      void this.refresh();
    });
  }

  /** Ends the session; `onChange` is not called afterwards. */
  close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.client?.close();
    this.client = null;
    return Promise.resolve();
  }

  private async connect(): Promise<void> {
    const client = await openSession(this.url);
    if (this.closed) {
      client.close();
      return;
    }
    this.client = client;
    client.once('expired', () => {
      if (this.client !== client || this.closed) return;
      this.logger.warn(`The ZooKeeper session watching '${this.url.path}' expired; opening a new one`);
      client.close();
      this.client = null;
      this.connect().then(
        () => this.refresh(),
        (error: unknown) => this.retry(error),
      );
    });
  }

  private async refresh(): Promise<void> {
    const client = this.client;
    if (!client || this.closed) return;
    const generation = ++this.generation;
    const stale = () => generation !== this.generation || this.closed;
    try {
      const children = await this.listChildren(client);
      if (stale()) return;
      const elected = electedMember(children);
      let leader: LeaderInfo | null = null;
      if (elected !== null) {
        const node = `${this.url.path}/${elected}`;
        leader = this.current?.node === node ? this.current : await this.readLeader(client, node, elected);
        if (stale()) return;
        // Gone between listing and reading: the children watch fires and we look again.
        if (leader === null) return;
      }
      this.members = new Set(children.map((child) => `${this.url.path}/${child}`));
      this.update(leader);
      for (const waiter of [...this.waiters]) {
        if (!this.members.has(waiter.node)) continue;
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    } catch (error) {
      if (stale()) return;
      this.retry(error);
    }
  }

  private listChildren(client: ZkClient): Promise<string[]> {
    const watcher = (): void => void this.refresh();
    return new Promise((resolve, reject) => {
      client.getChildren(this.url.path, watcher, (error, children) => {
        if (!error) return resolve(children);
        if (!isNoNode(error)) return reject(error);
        // No group yet: watch for the path to appear.
        client.exists(this.url.path, watcher, (existsError, stat) => {
          if (existsError) return reject(existsError);
          if (stat) watcher();
          resolve([]);
        });
      });
    });
  }

  private async readLeader(client: ZkClient, node: string, name: string): Promise<LeaderInfo | null> {
    let data: Buffer | undefined;
    try {
      data = await callback<Buffer | undefined>((done) => client.getData(node, done));
    } catch (error) {
      if (isNoNode(error)) return null;
      throw error;
    }
    return leaderFromMemberData(node, parseMember(name)?.label ?? '', data ?? Buffer.alloc(0));
  }

  private update(leader: LeaderInfo | null): void {
    const previous = this.current;
    this.current = leader;
    if (previous?.node === leader?.node) return;
    if (leader) this.logger.info(`ZooKeeper node '${leader.node}' names master '${leader.pid}' as the leader`);
    else this.logger.warn(`No master is registered under ZooKeeper path '${this.url.path}'`);
    this.onChange(leader);
  }

  private retry(error: unknown): void {
    if (this.closed) return;
    this.logger.warn({ err: error }, `Watching the master group '${this.url.path}' failed; retrying in ${RETRY_MS} ms`);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.client) void this.refresh();
      else this.connect().then(() => this.refresh(), (next: unknown) => this.retry(next));
    }, RETRY_MS);
  }
}
