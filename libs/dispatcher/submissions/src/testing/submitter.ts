// A gateway stand-in for the fault test: submits s-0000…s-(count-1) with `inflight` submits at
// once and prints `acked <submissionId> <jobId> <duplicate>` per acknowledged submit. A submit
// that fails (Redis restarting) is retried, as a client would. Run with `node --import tsx`.
// Usage: submitter.ts <redisUrl> <cluster> <count> <inflight>
import { SubmissionQueue } from '../submission-queue';

async function main(): Promise<void> {
  const [redisUrl, cluster, count, inflight] = process.argv.slice(2);
  if (!redisUrl || !cluster) throw new Error('usage: submitter.ts <redisUrl> <cluster> <count> <inflight>');
  const queue = await SubmissionQueue.open({ redisUrl, cluster });
  const ids = Array.from({ length: Number(count ?? 1000) }, (_, i) => `s-${String(i).padStart(4, '0')}`);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < ids.length) {
      const submissionId = ids[next++];
      for (;;) {
        try {
          const { jobId, duplicate } = await queue.submit({ submissionId, jobName: 'fault', jobGraph: new Uint8Array([1]), config: { n: submissionId } });
          process.stdout.write(`acked ${submissionId} ${jobId} ${duplicate}\n`);
          break;
        } catch (error) {
          process.stderr.write(`submit ${submissionId} failed, retrying: ${(error as Error).message}\n`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Number(inflight ?? 32) }, lane));
  await queue.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
