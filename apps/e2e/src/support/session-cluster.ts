// The end-to-end tests' session cluster: the shared one of @mesoflow/testing on the local Mesos
// stand-in (two agents, 100 ms allocations), as `npm run demo` starts it.
import { startLocalMesos, type LocalMesos } from '@mesoflow/mesos-local';
import { startSessionCluster as startShared, type SessionCluster as SharedSessionCluster } from '@mesoflow/testing';

export type SessionCluster = SharedSessionCluster<LocalMesos>;

/** Starts the cluster and waits for both TaskManagers. `conf` adds lines to the conf file. */
export function startSessionCluster(name: string, conf: readonly string[] = []): Promise<SessionCluster> {
  return startShared(name, {
    conf,
    startMesos: ({ workDir, agents }) => startLocalMesos({ port: 0, agents: agents.map((resources) => ({ resources })), workDir, allocationIntervalMs: 100 }),
  });
}
