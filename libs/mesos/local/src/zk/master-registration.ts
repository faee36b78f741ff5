import type { Logger } from 'pino';
import { toMesosJson } from '@mesoflow/mesos-codec';
import { mesos } from '@mesoflow/proto';
import { callback, openSession, zookeeper, type ZkClient, type ZooKeeperUrl } from './session';

/**
 * The master's membership in the ZooKeeper group Mesos uses for leader detection: an ephemeral,
 * sequential `json.info_<seq>` node under the path holding the MasterInfo as Mesos JSON.
 */
export class MasterRegistration {
  private client: ZkClient | null = null;
  private node: string | null = null;
  private info: mesos.v1.MasterInfo.$Properties | null = null;
  private closed = false;

  /**
   * @param url where to register.
   * @param logger for session events.
   */
  constructor(
    private readonly url: ZooKeeperUrl,
    private readonly logger: Logger,
  ) {}

  /** The znode currently holding our MasterInfo. */
  get nodePath(): string | null {
    return this.node;
  }

  /** Connects (if needed) and creates the node for `info`, replacing an earlier one. */
  async register(info: mesos.v1.MasterInfo.$Properties): Promise<string> {
    this.info = info;
    const client = await this.connected();
    await this.removeNode(client);
    const data = Buffer.from(JSON.stringify(toMesosJson(mesos.v1.MasterInfo, info)));
    await callback<void>((done) => client.mkdirp(this.url.path, (error) => done(error)));
    const created = await callback<string>((done) =>
      client.create(`${this.url.path}/json.info_`, data, zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL, done),
    );
    this.node = created;
    this.logger.info(`Registered master '${info.id}' in ZooKeeper as '${created}'`);
    return created;
  }

  /** Removes the node and closes the session. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    if (!client) return;
    await this.removeNode(client).catch(() => undefined);
    client.close();
  }

  private async removeNode(client: ZkClient): Promise<void> {
    const node = this.node;
    this.node = null;
    if (node) await callback<void>((done) => client.remove(node, (error) => done(error)));
  }

  private async connected(): Promise<ZkClient> {
    if (this.client) return this.client;
    const client = await openSession(this.url);
    this.client = client;
    client.on('expired', () => {
      // Mesos masters abort when their session expires; the stand-in registers again instead.
      if (this.client !== client || this.closed) return;
      this.logger.warn('The ZooKeeper session of the master expired; registering again');
      this.client = null;
      this.node = null;
      client.close();
      const info = this.info;
      if (info) {
        this.register(info).catch((error: unknown) => {
          this.logger.error({ err: error }, `Could not register master '${info.id}' in ZooKeeper again`);
        });
      }
    });
    return client;
  }
}
