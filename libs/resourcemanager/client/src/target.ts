import { ResourceManagerClientError, ResourceManagerClientErrorCode } from './errors';

/**
 * Where the resource manager is: a function the client calls before connecting, and again after
 * the scheduler became unreachable. Today {@link staticTarget}; with high availability, a lookup of
 * the scheduler leader (e.g. in ZooKeeper) fits here without changing the clients.
 */
export type TargetProvider = () => string | Promise<string>;

/** A `host:port` (the scheduler's `jobmanager.rpc.address`:`jobmanager.rpc.port`), or a {@link TargetProvider}. */
export type ResourceManagerTarget = string | TargetProvider;

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

/**
 * Checks a plain `host:port` target (IPv6 hosts in brackets) and returns it.
 * @throws ResourceManagerClientError `INVALID_OPTION` for anything else (`zk://…` leader lookup is not supported yet).
 */
export function parseTarget(target: string): string {
  const match = HOST_PORT.exec(target);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65_535) {
    const hint = target.startsWith('zk://') ? '; ZooKeeper leader lookup is not supported yet, pass a TargetProvider' : '';
    throw new ResourceManagerClientError(
      ResourceManagerClientErrorCode.INVALID_OPTION,
      `The resource manager target must be host:port, got '${target}'${hint}`,
    );
  }
  return target;
}

/** A provider that always answers `target`, checked at once. @throws ResourceManagerClientError `INVALID_OPTION` */
export function staticTarget(target: string): TargetProvider {
  const checked = parseTarget(target);
  return () => checked;
}

/** The provider of a {@link ResourceManagerTarget}. */
export function targetProvider(target: ResourceManagerTarget): TargetProvider {
  return typeof target === 'string' ? staticTarget(target) : target;
}
