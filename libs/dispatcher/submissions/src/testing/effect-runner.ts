// A job master stand-in for the fault test: runs jobs and appends `start` and `done` lines
// (`<event> <submissionId> <attempt> <pid>`) to an effects file, synchronously, so a line is on
// file before the run goes on. Prints `ready` once it takes jobs. Run with `node --import tsx`.
// Usage: effect-runner.ts <redisUrl> <cluster> <effectsFile>
import { appendFileSync } from 'node:fs';
import { JobRunner } from '../job-runner';

async function main(): Promise<void> {
  const [redisUrl, cluster, effects] = process.argv.slice(2);
  if (!redisUrl || !cluster || !effects) throw new Error('usage: effect-runner.ts <redisUrl> <cluster> <effectsFile>');
  await JobRunner.start({
    redisUrl,
    cluster,
    concurrency: 8,
    lockDurationMs: 2_000,
    stalledIntervalMs: 500,
    maxRestarts: 10,
    run: async ({ submission, attempt }) => {
      appendFileSync(effects, `start ${submission.submissionId} ${attempt} ${process.pid}\n`);
      await new Promise((resolve) => setTimeout(resolve, 2 + Math.floor(Math.random() * 8)));
      appendFileSync(effects, `done ${submission.submissionId} ${attempt} ${process.pid}\n`);
      return { pid: process.pid, attempt };
    },
  });
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
