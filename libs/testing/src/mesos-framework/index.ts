/**
 * `@mesoflow/testing/mesos-framework`: drives the npm package `mesos-framework`, a third-party
 * Mesos scheduler, as a peer for tests and benchmarks. A separate entry point, so that tests
 * which do not need it never load it.
 */
export { launchWithMesosFramework } from './mesos-framework-launcher';
export type { MesosFrameworkLaunchOptions, MesosFrameworkLaunchResult } from './mesos-framework-launcher';
