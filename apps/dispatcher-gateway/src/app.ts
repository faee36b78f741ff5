import { GrpcArtifactPublisher } from '@mesoflow/artifacts-client';
import { ConfigError, ConfigErrorCode, type MesoflowConfig } from '@mesoflow/config';
import { JobRunner, SubmissionQueue } from '@mesoflow/dispatcher-submissions';
import { JOB_SERVICE_GRPC, PROTO_ROOT } from '@mesoflow/proto';
import { SlotRequester } from '@mesoflow/resourcemanager-client';
import { resourceManagerLocation } from '@mesoflow/zk-store';
import { bootstrapService, createMetricsRegistry, createServiceLogger, type RunningService } from '@mesoflow/service';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { TokenAuth } from './auth/token-auth';
import { DispatcherGatewayModule } from './dispatcher-gateway.module';
import { JobMasterExecution, type JobExecution } from './execution/job-master-execution';
import { gatewayTls } from './gateway-tls';
import { haBundleFolder, HaBundles } from './ha/ha-bundles';
import { startRunnerLeadership, type RunnerLeadership } from './ha/runner-leadership';
import { JobGateway } from './jobs/job-gateway';
import { clusterOfClusterId, localArtifactServer, withConfiguredDefaults, type DispatcherGatewaySettings } from './settings';
import { schedulerClusterSource, type ClusterSource } from './web/cluster-source';
import { LiveEvents } from './web/live-events';
import { SubmittedGraphs } from './web/submitted-graphs';
import { defaultWebUiDir, WebUiFiles } from './web/web-ui-files';
import { WebViews } from './web/web-views';

/** How the process runs the gateway, beyond its settings. */
export interface DispatcherGatewayRuntime {
  /** @default pino at info level on standard output */
  logger?: Logger;
  /** @default ['SIGTERM', 'SIGINT']; false for tests, which call `close()` */
  shutdownSignals?: NodeJS.Signals[] | false;
  /**
   * How queued jobs run. @default a job master per job, with slots from the resource manager at
   * `jobmanager.rpc.address:jobmanager.rpc.port` and tasks deployed to the TaskManagers over gRPC
   */
  execution?: JobExecution;
  /**
   * What the web UI's API reads of the scheduler. @default the resource manager at
   * `jobmanager.rpc.address:jobmanager.rpc.port`, with 2 s deadlines and answers cached for 1 s
   */
  cluster?: ClusterSource;
  /** How often watches, runners and the web UI's live events re-read Redis without an event. @default 1000 */
  pollMs?: number;
  /** `$MESOFLOW_HOME`, where the built web UI is found (unless `--web-ui-dir`). @default the installation this gateway runs from */
  mesoflowHome?: string;
}

/** A started dispatcher gateway. */
export interface RunningDispatcherGateway {
  readonly service: RunningService;
  /** `host:port` of JobService (TLS with `security.ssl.rest.enabled`). */
  readonly grpcTarget: string;
  /** The REST base URL (`rest.port`), e.g. `http://127.0.0.1:8081` (`https` with `security.ssl.rest.enabled`). */
  readonly restUrl: string;
  /** The cluster whose queue it serves. */
  readonly cluster: string;
  /** Stops taking jobs, drains both ports, leaves running jobs to another gateway, closes the queue. */
  close(): Promise<void>;
}

/** The Redis URL with `redis.password` in it, when one is set. */
function redisUrlOf(config: MesoflowConfig): string {
  const url = new URL(config.get('redis.url'));
  const password = config.get('redis.password');
  if (password !== undefined && password !== '') url.password = encodeURIComponent(password);
  return url.toString();
}

function readToken(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    const token = readFileSync(path, 'utf8').trim();
    if (token !== '') return token;
  } catch {
    // Reported below, without the reason's details (which could quote the file).
  }
  throw new ConfigError(ConfigErrorCode.INVALID_CONFIGURATION, [
    { kind: 'invalid-value', key: '--token-file', value: path, expected: 'a readable file holding the token', message: `--token-file: '${path}' is not a readable, non-empty file` },
  ]);
}

/**
 * Starts the dispatcher gateway: JobService on `--grpc-port`, the REST API with `/healthz`,
 * `/metrics`, the web UI and its read API `/api/v1` on `rest.port` (both over TLS from `security.ssl.rest.keystore` when
 * `security.ssl.rest.enabled`), the durable submission queue of the cluster in Redis, and (with
 * `--job-concurrency` above 0) a runner that takes queued jobs and runs each with a job master.
 * With `high-availability: zookeeper` only the elected gateway of the cluster runs job masters,
 * and each accepted job's bundle is kept in `high-availability.storageDir` for whichever leads.
 * On SIGTERM it stops taking submissions and jobs, drains both ports and leaves its running
 * jobs claimed, so another gateway restarts them once the claim expires.
 */
export async function startDispatcherGateway(config: MesoflowConfig, flags: DispatcherGatewaySettings, runtime: DispatcherGatewayRuntime = {}): Promise<RunningDispatcherGateway> {
  const settings = withConfiguredDefaults(flags, config);
  const logger = runtime.logger ?? createServiceLogger({ service: 'dispatcher-gateway' });
  const auth = new TokenAuth(readToken(settings.tokenFile));
  const tls = gatewayTls(config);
  const cluster = settings.cluster ?? clusterOfClusterId(config.get('high-availability.cluster-id'));
  const redisUrl = redisUrlOf(config);
  const host = settings.bindHost.includes(':') ? `[${settings.bindHost}]` : settings.bindHost;
  const grpcTarget = `${host}:${settings.grpcPort}`;
  const pollMs = runtime.pollMs ?? 1_000;

  const queue = await SubmissionQueue.open({ redisUrl, cluster, logger, watchPollMs: pollMs });
  const scheduler = resourceManagerLocation(config);
  let requester: SlotRequester | undefined;
  const slotRequester = (): SlotRequester => (requester ??= new SlotRequester({ target: scheduler.target, logger }));
  const haFolder = haBundleFolder(config);
  const artifacts = haFolder === undefined ? undefined : new GrpcArtifactPublisher({ target: localArtifactServer(config) });
  const haBundles = haFolder === undefined || artifacts === undefined ? undefined : new HaBundles(haFolder, artifacts);
  const execution = runtime.execution ?? new JobMasterExecution({ slots: slotRequester(), logger, ...(haBundles ? { bundleUrl: (bundle) => haBundles.url(bundle) } : {}) });
  const clusterSource = runtime.cluster ?? schedulerClusterSource(slotRequester(), { target: scheduler.description });
  const graphs = new SubmittedGraphs(async (jobId) => (await queue.submission(jobId))?.jobGraph);
  /** The runner taking jobs now: always without high availability, while leading with it. */
  let runner: JobRunner | undefined;
  let leadership: RunnerLeadership | undefined;
  let closing: Promise<void> | undefined;
  const closeRunner = (): Promise<void> => {
    // Running jobs are left claimed: another gateway restarts them when the claim expires.
    closing ??= (async () => {
      if (leadership) await leadership.close();
      else await runner?.close({ running: 'abort' });
      await execution.close();
    })();
    return closing;
  };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await closeRunner();
      requester?.close();
      artifacts?.close();
      await scheduler.close();
      await queue.close();
    })();
    return stopped;
  };

  const metrics = createMetricsRegistry();
  let service: RunningService;
  try {
    const startRunner = (): Promise<JobRunner> =>
      JobRunner.start({
        redisUrl,
        cluster,
        run: (context) => execution.run(context),
        concurrency: settings.jobConcurrency,
        lockDurationMs: settings.jobLockMs,
        cancelPollMs: pollMs,
        logger,
      });
    if (settings.jobConcurrency > 0 && config.get('high-availability') === 'zookeeper') {
      leadership = await startRunnerLeadership({
        config,
        id: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
        // As the scheduler publishes its own: the host the cluster's processes and clients reach it on.
        address: `${config.get('jobmanager.rpc.address')}:${settings.grpcPort}`,
        logger,
        lead: async () => {
          const started = await startRunner();
          runner = started;
          return () => {
            if (runner === started) runner = undefined;
            return started.close({ running: 'abort' });
          };
        },
      });
    } else if (settings.jobConcurrency > 0) {
      runner = await startRunner();
    }
    new Gauge({
      name: 'mesoflow_dispatcher_jobs_running',
      help: 'Jobs whose job master runs in this gateway',
      registers: [metrics],
      collect() {
        this.set(runner?.runningJobs.length ?? 0);
      },
    });
    new Gauge({
      name: 'mesoflow_dispatcher_leader',
      help: "1 while this gateway runs the cluster's job masters (always without high availability when it runs any), else 0",
      registers: [metrics],
      collect() {
        this.set(runner === undefined ? 0 : 1);
      },
    });
    const gateway = new JobGateway(queue, metrics, logger.child({ component: 'JobGateway' }), haBundles);
    const views = new WebViews({ jobs: gateway, graphOf: (jobId) => graphs.get(jobId), cluster: clusterSource, config, clusterName: cluster, authRequired: auth.enabled });
    const live = new LiveEvents({ view: (topic) => views.topic(topic), metrics, logger: logger.child({ component: 'LiveEvents' }), checkMs: pollMs });
    const files = new WebUiFiles(settings.webUiDir ?? defaultWebUiDir(runtime.mesoflowHome));
    service = await bootstrapService({
      name: 'dispatcher-gateway',
      module: DispatcherGatewayModule.forOptions({ gateway, auth, views, live, files, stop }),
      http: { port: config.get('rest.port'), host: settings.bindHost, tls: tls?.material },
      grpc: { url: grpcTarget, package: JOB_SERVICE_GRPC.packageName, protoPath: join(PROTO_ROOT, JOB_SERVICE_GRPC.protoFile), credentials: tls?.grpcCredentials },
      logger,
      metrics,
      ...(runtime.shutdownSignals === undefined ? {} : { shutdownSignals: runtime.shutdownSignals }),
    });
    // First thing on SIGTERM: no new submissions, no new jobs taken.
    service.lifecycle.onDrain(() => {
      gateway.stopAccepting();
      live.close();
      void closeRunner();
    });
  } catch (error) {
    await stop();
    throw error;
  }
  logger.info(
    `Dispatcher gateway of cluster '${cluster}' takes jobs on gRPC${tls ? ' over TLS' : ''} '${grpcTarget}' and REST '${service.httpUrl}'` +
      (leadership
        ? `, running up to ${settings.jobConcurrency} at once while it leads (${leadership.leading ? 'it does' : 'standing by'})`
        : runner
          ? `, running up to ${settings.jobConcurrency} at once`
          : ', running none itself') +
      (auth.enabled ? '; submit and cancel need a bearer token' : ''),
  );
  return {
    service,
    grpcTarget,
    restUrl: service.httpUrl,
    cluster,
    close: () => service.close(),
  };
}
