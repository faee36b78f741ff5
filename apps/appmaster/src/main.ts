// The application master of a session cluster (bin/mesos-appmaster.sh), the process Marathon
// runs in the seed documents:
//   node --import tsx apps/appmaster/src/main.ts [--mode session|per-job] [--work-dir dir] [--bind-host 0.0.0.0] \
//     [--config-overlay-port 6125] [--config-overlay-http-port 6128] [--scheduler-http-port 6129] \
//     -Dmesos.master=host:5050 -Djobmanager.rpc.address=host -Dkey=value ...
// It runs the four services under one supervisor: a crashed one is restarted, SIGTERM stops all.
// With `--mode per-job` (bin/mesos-appmaster-job.sh) the gateway's place is taken by the job of
// `-Dinternal.jobgraph-path`; the cluster stops, its framework torn down, when the job ends.
import { isConfigError, loadConfig, parseDynamicProperties, ProcessFlags } from '@mesoflow/config';
import { isSupervisorError, Supervisor } from '@mesoflow/process-supervisor';
import { createServiceLogger } from '@mesoflow/service';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { clusterDefaults, jobClusterChildren, sessionClusterChildren, type AppMasterSettings } from './cluster-children';

const logger = createServiceLogger({ service: 'appmaster' });
const HOME = process.env['MESOFLOW_HOME'] ?? resolve(__dirname, '../../..');

function parseSettings(args: readonly string[]): AppMasterSettings & { perJob: boolean } {
  const flags = new ProcessFlags(args, ['--mode', '--work-dir', '--bind-host', '--config-overlay-port', '--config-overlay-http-port', '--scheduler-http-port']);
  const bindHost = flags.text('--bind-host') ?? '0.0.0.0';
  const mode = flags.text('--mode') ?? 'session';
  if (mode !== 'session' && mode !== 'per-job') flags.invalid('--mode', mode, "'session' or 'per-job'");
  const settings: AppMasterSettings & { perJob: boolean } = {
    perJob: mode === 'per-job',
    // Under Marathon the sandbox is the natural home of the cluster's files.
    workDir: resolve(flags.path('--work-dir') ?? process.env['MESOS_SANDBOX'] ?? 'mesoflow-appmaster'),
    bindHost,
    localHost: bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost,
    configOverlayPort: flags.port('--config-overlay-port', 6125),
    configOverlayHttpPort: flags.port('--config-overlay-http-port', 6128),
    schedulerHttpPort: flags.port('--scheduler-http-port', 6129),
    highAvailability: false,
  };
  flags.done();
  return settings;
}

async function main(): Promise<void> {
  const { properties, args } = parseDynamicProperties(process.argv.slice(2));
  const settings = parseSettings(args);
  const all = [...clusterDefaults(settings, loadConfig({ dynamicProperties: properties })), ...properties];
  // Checked here once, so a typo fails the whole cluster at start rather than one child in a restart loop.
  const config = loadConfig({ dynamicProperties: all, service: 'scheduler' });
  for (const service of ['artifact-server', 'config-overlay', 'dispatcher-gateway'] as const) loadConfig({ dynamicProperties: all, service });
  mkdirSync(settings.workDir, { recursive: true });
  settings.highAvailability = config.get('high-availability') === 'zookeeper';
  const what = settings.perJob ? 'Per-job cluster' : 'Session cluster';
  const children = (settings.perJob ? jobClusterChildren : sessionClusterChildren)(
    settings,
    {
      artifactGrpcPort: config.get('mesos.resourcemanager.artifactserver.grpc.port') ?? 0,
      artifactHttpPort: config.get('mesos.resourcemanager.artifactserver.port'),
      restPort: config.get('rest.port'),
    },
    all,
    (entry) => ({ command: process.execPath, args: ['--import', require.resolve('tsx', { paths: [HOME] }), resolve(HOME, 'apps', entry)] }),
  );
  // The supervisor stops every service on SIGTERM and SIGINT, then `done` resolves.
  const supervisor = await Supervisor.start({ children, logger, readyTimeoutMs: 120_000 });
  logger.info(
    settings.perJob
      ? `Per-job cluster is up in '${settings.workDir}', running the job of '${config.get('internal.jobgraph-path')}'`
      : `Session cluster is up in '${settings.workDir}': jobs go to the dispatcher gateway (REST port ${config.get('rest.port')})`,
  );
  const exit = await supervisor.done;
  logger.info(`${what} stopped: ${exit.reason}`);
  process.exitCode = exit.exitCode;
}

main().catch((error: unknown) => {
  if (isConfigError(error) || isSupervisorError(error)) logger.fatal(error.message);
  else logger.fatal({ err: error }, 'The application master could not start');
  process.exitCode = 2;
});
