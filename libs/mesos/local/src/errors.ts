/** Why the local Mesos stand-in refused an option, a control call or a start. */
export enum LocalMesosErrorCode {
  /** An option (or CLI flag) has a value of the wrong shape or range. */
  INVALID_OPTION = 'INVALID_OPTION',
  /** Resource text such as `cpus:4;mem:8192` does not parse. */
  INVALID_RESOURCES = 'INVALID_RESOURCES',
  /** Attribute text such as `rack:r1;zone:z2` does not parse. */
  INVALID_ATTRIBUTES = 'INVALID_ATTRIBUTES',
  /** The credentials file is missing or not in Mesos' credentials format. */
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  /** A test control named an agent the cluster does not have. */
  UNKNOWN_AGENT = 'UNKNOWN_AGENT',
  /** A test control named a framework the master does not know. */
  UNKNOWN_FRAMEWORK = 'UNKNOWN_FRAMEWORK',
  /** A test control does not apply to the agent's current state. */
  INVALID_AGENT_STATE = 'INVALID_AGENT_STATE',
  /** The cluster was stopped, or has not started. */
  STOPPED = 'STOPPED',
  /** Registering the master in ZooKeeper failed. */
  ZOOKEEPER = 'ZOOKEEPER',
}

/** A failure of the local Mesos stand-in; `code` says which kind. */
export class LocalMesosError extends Error {
  override readonly name = 'LocalMesosError';

  /**
   * @param code what went wrong.
   * @param message a sentence naming the offending value and what was expected.
   */
  constructor(
    readonly code: LocalMesosErrorCode,
    message: string,
  ) {
    super(message);
  }
}
