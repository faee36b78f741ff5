import { decodeMesos } from '@mesoflow/mesos-codec';
import { mesos } from '@mesoflow/proto';
import type { Logger } from 'pino';
import { MesosClientError, MesosClientErrorCode } from './errors';
import { schedulerEndpoint } from './master-address';
import type { ZooKeeperPort } from './zookeeper-port';

/**
 * Tells the client where the leading master is. `onLeader` receives the leader's scheduler
 * endpoint URL, or `undefined` while no leader is known, each time that changes.
 */
export interface MasterDetector {
  /** Starts detecting; `onLeader` is called at least once, possibly synchronously. */
  start(onLeader: (endpoint: string | undefined) => void): void;
  /** Stops detecting and releases connections; `onLeader` is not called afterwards. */
  close(): Promise<void>;
}

/** A {@link MasterDetector} for a master given as a URL: it always names that master. */
export class StaticMasterDetector implements MasterDetector {
  /** @param endpoint the scheduler endpoint URL of the master. */
  constructor(private readonly endpoint: string) {}

  start(onLeader: (endpoint: string | undefined) => void): void {
    onLeader(this.endpoint);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A member of a Mesos master group: a child node named `[<label>_]<sequence>`. */
export interface MasterGroupMember {
  /** The child node's name, e.g. `json.info_0000000042`. */
  name: string;
  /** The sequence number ZooKeeper appended. */
  sequence: number;
  /** `json.info` (JSON MasterInfo), `info` (binary MasterInfo) or `''` (a bare libprocess PID). */
  label: string;
}

/**
 * Picks the leader among the children of the master group path: the member with the lowest
 * sequence, whatever its label. Names whose last `_`-separated token is not a number (such as
 * `log_replicas`) are not members and are skipped.
 * @returns the leader, or `undefined` when the group has no member.
 */
export function selectLeader(children: readonly string[]): MasterGroupMember | undefined {
  let leader: MasterGroupMember | undefined;
  for (const name of children) {
    const tokens = name.split('_');
    const last = tokens[tokens.length - 1] ?? '';
    if (!/^\d+$/.test(last)) continue;
    const sequence = Number(last);
    if (leader === undefined || sequence < leader.sequence) {
      leader = { name, sequence, label: tokens.length > 1 ? tokens[0] ?? '' : '' };
    }
  }
  return leader;
}

interface MasterInfoFields {
  hostname?: string | null;
  port?: number | null;
  address?: { hostname?: string | null; ip?: string | null; port?: number | null } | null;
  pid?: string | null;
}

function endpointFromFields(info: MasterInfoFields, scheme: 'http' | 'https'): string | undefined {
  const address = info.address ?? undefined;
  const host = address?.hostname || address?.ip || info.hostname || undefined;
  const port = address?.port || info.port || undefined;
  if (host && port) return schedulerEndpoint(scheme, host, Number(port));
  if (info.pid) return endpointFromPid(info.pid, scheme);
  return undefined;
}

function endpointFromPid(pid: string, scheme: 'http' | 'https'): string | undefined {
  const match = /^[^@]+@([^:]+):(\d+)$/.exec(pid.trim());
  return match ? schedulerEndpoint(scheme, match[1] ?? '', Number(match[2])) : undefined;
}

/**
 * Reads the scheduler endpoint of a master from its group member's data.
 * - `json.info`: MasterInfo as JSON; `address.hostname` (else `address.ip`, else `hostname`) and
 *   `address.port` (else `port`) are used.
 * - `info`: binary MasterInfo (Mesos before 0.24).
 * - no label: a libprocess PID `master@ip:port`.
 * @throws MesosClientError with code `DETECTION_FAILED` for an unknown label or unusable data.
 */
export function endpointFromMasterInfo(label: string, data: Buffer, scheme: 'http' | 'https'): string {
  let endpoint: string | undefined;
  try {
    switch (label) {
      case 'json.info':
        endpoint = endpointFromFields(JSON.parse(data.toString('utf8')) as MasterInfoFields, scheme);
        break;
      case 'info':
        endpoint = endpointFromFields(decodeMesos(mesos.v1.MasterInfo, data, 'application/x-protobuf'), scheme);
        break;
      case '':
        endpoint = endpointFromPid(data.toString('utf8'), scheme);
        break;
      default:
        throw new MesosClientError(
          MesosClientErrorCode.DETECTION_FAILED,
          `Master group member label '${label}' is unknown; expected 'json.info', 'info' or none`,
        );
    }
  } catch (error) {
    if (error instanceof MesosClientError) throw error;
    throw new MesosClientError(
      MesosClientErrorCode.DETECTION_FAILED,
      `Master info with label '${label || '(none)'}' could not be decoded: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (endpoint === undefined) {
    throw new MesosClientError(
      MesosClientErrorCode.DETECTION_FAILED,
      `Master info with label '${label || '(none)'}' names no host and port`,
    );
  }
  return endpoint;
}

/** Settings of {@link ZooKeeperMasterDetector}. */
export interface ZooKeeperMasterDetectorOptions {
  /** The master group path, e.g. `/mesos`. */
  path: string;
  /** Scheme of the endpoint built from the leader's address. */
  scheme: 'http' | 'https';
  /** Delay before reading the group again after a ZooKeeper error, in ms. */
  retryDelayMs: number;
  logger: Logger;
}

/**
 * Finds the leading master the way Mesos' own detector does: watch the children of the group
 * path, take the lowest sequence, read its MasterInfo. Re-runs on every membership change.
 */
export class ZooKeeperMasterDetector implements MasterDetector {
  private onLeader: ((endpoint: string | undefined) => void) | undefined;
  private generation = 0;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private leaderNode: string | undefined;
  private reported: string | undefined | null = null;
  private readonly onChildrenChanged = (): void => void this.refresh();

  /**
   * @param zookeeper the session to read the group through; closed with the detector.
   * @param options group path, scheme and retry delay.
   */
  constructor(
    private readonly zookeeper: ZooKeeperPort,
    private readonly options: ZooKeeperMasterDetectorOptions,
  ) {}

  start(onLeader: (endpoint: string | undefined) => void): void {
    this.onLeader = onLeader;
    void this.refresh();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.onLeader = undefined;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.zookeeper.close();
  }

  private async refresh(): Promise<void> {
    if (this.closed) return;
    const generation = ++this.generation;
    const { path, scheme, logger } = this.options;
    try {
      const children = await this.zookeeper.getChildren(path, this.onChildrenChanged);
      if (generation !== this.generation || this.closed) return;
      const leader = children === undefined ? undefined : selectLeader(children);
      if (leader === undefined) {
        if (this.leaderNode !== undefined || this.reported === null) {
          logger.warn(`No master is registered under ZooKeeper path '${path}'; waiting for one`);
        }
        this.leaderNode = undefined;
        this.report(undefined);
        return;
      }
      if (leader.name === this.leaderNode) return;
      const data = await this.zookeeper.getData(`${path}/${leader.name}`);
      if (generation !== this.generation || this.closed) return;
      // Gone between listing and reading: the children watch fires and we look again.
      if (data === undefined) return;
      const endpoint = endpointFromMasterInfo(leader.label, data, scheme);
      this.leaderNode = leader.name;
      logger.info(`ZooKeeper node '${path}/${leader.name}' names master '${endpoint}' as the leader`);
      this.report(endpoint);
    } catch (error) {
      if (generation !== this.generation || this.closed) return;
      logger.warn(
        { err: error },
        `Reading the master group '${path}' from ZooKeeper failed; retrying in ${this.options.retryDelayMs} ms`,
      );
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        void this.refresh();
      }, this.options.retryDelayMs);
    }
  }

  private report(endpoint: string | undefined): void {
    if (this.reported === endpoint) return;
    this.reported = endpoint;
    this.onLeader?.(endpoint);
  }
}
