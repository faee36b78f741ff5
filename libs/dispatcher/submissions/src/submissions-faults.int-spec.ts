// Fault test: "accepted means durable". A submitter child process (the gateway) is SIGKILLed at
// seeded random moments and restarted, resubmitting from the start as a retrying client would;
// Redis (appendfsync always) is SIGKILLed and restarted twice; the runner child is SIGKILLed once.
// Replay a failure with REPLAY_SEED=<seed printed below>.
import { seededRandom, startRedis, type TestRedis, waitFor } from '@mesoflow/testing';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SubmissionQueue } from './submission-queue';

const COUNT = 1000;
const SUBMITTER = join(__dirname, 'testing', 'submitter.ts');
const RUNNER = join(__dirname, 'testing', 'effect-runner.ts');

interface Child {
  process: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

function child(script: string, args: string[]): Child {
  const process_ = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  createInterface({ input: process_.stdout }).on('line', (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => process_.once('exit', (code) => resolve(code)));
  return { process: process_, lines, exited };
}

async function kill(target: Child): Promise<void> {
  target.process.kill('SIGKILL');
  await target.exited;
}

describe('submissions under faults', () => {
  let redis: TestRedis;
  const children: Child[] = [];

  afterAll(async () => {
    await Promise.all(children.map((c) => kill(c)));
    await redis?.stop();
  });

  it('acknowledges nothing it then loses, and runs every acknowledged submission to completion once', async () => {
    const seed = process.env['REPLAY_SEED'] ? Number(process.env['REPLAY_SEED']) : Math.floor(Math.random() * 2 ** 31);
    console.log(`submissions fault test seed: ${seed} (replay with REPLAY_SEED=${seed})`);
    const random = seededRandom(seed);
    const between = (min: number, max: number) => min + Math.floor(random() * (max - min));
    const started = Date.now();
    const timings: string[] = [];
    const mark = (what: string) => timings.push(`${Date.now() - started} ms ${what}`);

    redis = await startRedis({ appendfsync: 'always' });
    const cluster = `faults-${randomUUID()}`;
    const effects = join(mkdtempSync(join(tmpdir(), 'mesoflow-effects-')), 'effects.log');
    writeFileSync(effects, '');

    const startRunner = async (): Promise<Child> => {
      const runner = child(RUNNER, [redis.url, cluster, effects]);
      children.push(runner);
      await waitFor(() => runner.lines.includes('ready'), { timeoutMs: 30_000, description: 'the runner to start' });
      return runner;
    };
    const acked = new Set<string>();
    const submit = (): Child => {
      const submitter = child(SUBMITTER, [redis.url, cluster, String(COUNT), '32']);
      children.push(submitter);
      return submitter;
    };
    // An ack is durable if no later submit of the same id creates the job anew (`duplicate false`).
    const recreatedAfterAck: string[] = [];
    const ackedBy = (submitter: Child) => {
      const before = new Set(acked);
      for (const line of submitter.lines) {
        const [word, submissionId, , duplicate] = line.split(' ');
        if (word !== 'acked' || !submissionId) continue;
        if (before.has(submissionId) && duplicate === 'false') recreatedAfterAck.push(submissionId);
        acked.add(submissionId);
      }
      return submitter.lines.length;
    };

    let runner = await startRunner();
    const killedRunnerPids = new Set<number>();
    mark('runner started');

    // Rounds of: start a submitter, let it ack some, SIGKILL it; Redis and the runner get killed in between.
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      const submitter = submit();
      await waitFor(() => submitter.lines.length > 0 || submitter.process.exitCode !== null, { timeoutMs: 30_000, description: 'a first ack' });
      await new Promise((resolve) => setTimeout(resolve, between(50, 600)));
      if (round === 1) {
        // Redis dies while the submitter is mid-flight: acks already given must survive.
        await redis.restart();
        mark(`redis restarted mid-flight in round ${round}`);
      }
      if (round === 2) {
        killedRunnerPids.add(runner.process.pid!);
        await kill(runner);
        mark(`runner killed in round ${round}`);
      }
      await kill(submitter);
      mark(`submitter killed after ${ackedBy(submitter)} acks in round ${round}`);
      if (round === 2) {
        runner = await startRunner();
        mark('runner restarted');
      }
      if (round === 0) {
        await redis.restart();
        mark('redis restarted between submitters');
      }
    }
    // The last submitter (the client retrying until it has every answer) runs to the end.
    const last = submit();
    expect(await last.exited).toBe(0);
    ackedBy(last);
    mark('last submitter acknowledged everything');
    expect(acked.size).toBe(COUNT);
    expect(recreatedAfterAck).toEqual([]);

    const queue = await SubmissionQueue.open({ redisUrl: redis.url, cluster });
    try {
      const records = await waitFor(async () => {
        const all = await queue.list({ limit: COUNT * 2 });
        return all.length === COUNT && all.every((record) => record.state === 'FINISHED') ? all : undefined;
      }, { timeoutMs: 60_000, intervalMs: 500, description: 'every acknowledged submission to be FINISHED' });
      mark('all FINISHED');

      // Nothing unknown: exactly the ids the submitters sent, each once.
      const ids = records.map((record) => record.submissionId).sort();
      expect(ids).toEqual(Array.from({ length: COUNT }, (_, i) => `s-${String(i).padStart(4, '0')}`));

      // The effects log: `start` and `done` lines of every run attempt. A job is "run to
      // completion" by the attempt whose result Redis recorded, and that attempt has exactly one
      // `done`. Other attempts are restarts, not double runs:
      //  - an attempt of the SIGKILLed runner (its `done` may even be written, with the completion
      //    never reaching Redis): the job never completed there and was recovered, as Flink
      //    restarts a job after a job master failure;
      //  - an attempt with no `start` at all never ran: its activation reply died with Redis, or
      //    the killed runner had taken the job but not begun its run.
      // A superseded `start` or `done` from a runner that was NOT killed would be a real double
      // run (e.g. a job taken from a live runner): none may exist, across gateway kills and Redis
      // restarts.
      const effectLines = readFileSync(effects, 'utf8')
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => {
          const [event, submissionId, attempt, pid] = line.split(' ');
          return { event, submissionId, attempt: Number(attempt), pid: Number(pid) };
        });
      const bySubmission = new Map<string, typeof effectLines>();
      for (const effect of effectLines) bySubmission.set(effect.submissionId, [...(bySubmission.get(effect.submissionId) ?? []), effect]);
      expect([...bySubmission.keys()].filter((id) => !acked.has(id))).toEqual([]);
      const doubleRuns: string[] = [];
      let interruptedByRunnerKill = 0;
      let neverStarted = 0;
      for (const record of records) {
        const effectsOf = bySubmission.get(record.submissionId) ?? [];
        const result = record.result as { pid: number; attempt: number };
        const completing = (e: (typeof effectLines)[number]) => e.pid === result.pid && e.attempt === result.attempt;
        expect({ id: record.submissionId, done: effectsOf.filter((e) => e.event === 'done' && completing(e)).length }).toEqual({
          id: record.submissionId,
          done: 1,
        });
        const superseded = effectsOf.filter((e) => !completing(e));
        for (const e of superseded) if (!killedRunnerPids.has(e.pid)) doubleRuns.push(`${e.event} ${record.submissionId} attempt ${e.attempt} by ${e.pid}`);
        if (record.attempts > 1) {
          if (superseded.some((e) => e.event === 'start')) interruptedByRunnerKill++;
          else neverStarted++;
        }
      }
      expect(doubleRuns).toEqual([]);
      console.log(
        [
          `seed ${seed}: ${COUNT} acknowledged, ${COUNT} FINISHED, ${effectLines.filter((e) => e.event === 'done').length} done effects;`,
          `restarts: ${interruptedByRunnerKill} runs interrupted by the runner kill, ${neverStarted} attempts that never began a run`,
          ...timings,
        ].join('\n'),
      );
    } finally {
      await queue.close();
    }
  }, 120_000);
});
