// The job of a per-job cluster (bin/mesos-appmaster-job.sh runs it as the supervisor's job child):
//   node --import tsx apps/dispatcher-gateway/src/job-cluster-main.ts -Dinternal.jobgraph-path=job.graph -Dkey=value ...
// Exit code: 0 when the job finished, 1 when it failed, 130 when it was canceled (SIGTERM).
import { GrpcArtifactPublisher } from '@mesoflow/artifacts-client';
import { isConfigError, loadConfig, parseDynamicProperties } from '@mesoflow/config';
import { SlotRequester } from '@mesoflow/resourcemanager-client';
import { createServiceLogger } from '@mesoflow/service';
import { resourceManagerLocation } from '@mesoflow/zk-store';
import { JobMasterExecution } from './execution/job-master-execution';
import { readJobGraphFile, runJobGraph } from './job-cluster/run-job-graph';
import { localArtifactServer } from './settings';

const logger = createServiceLogger({ service: 'job-cluster' });

async function main(): Promise<number> {
  const { properties } = parseDynamicProperties(process.argv.slice(2));
  const config = loadConfig({ dynamicProperties: properties, service: 'dispatcher-gateway' });
  const job = readJobGraphFile(config.get('internal.jobgraph-path'));
  const cancel = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => cancel.abort());
  const scheduler = resourceManagerLocation(config);
  const slots = new SlotRequester({ target: scheduler.target, logger });
  const publisher = new GrpcArtifactPublisher({ target: localArtifactServer(config) });
  try {
    const outcome = await runJobGraph({ job, publisher, execution: new JobMasterExecution({ slots, logger }), slots, logger, signal: cancel.signal });
    return outcome.status === 'SUCCEEDED' ? 0 : outcome.status === 'CANCELED' ? 130 : 1;
  } finally {
    publisher.close();
    slots.close();
    await scheduler.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    logger.fatal(isConfigError(error) ? error.message : `The per-job cluster's job could not run: ${(error as Error).message}`);
    process.exitCode = 2;
  },
);
