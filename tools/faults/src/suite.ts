// The fault suite: per scenario, a local stack, then trials that submit jobs, break something at a
// seeded moment, and measure what the issue asks: jobs submitted and finished correctly (their
// collected sums checked), workers desired vs running on the master, orphans, duplicates and the
// time to recover.
import { seededRandom, waitFor } from '@mesoflow/testing';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { collectedRecords, expectedSums, hasEnded, JobState, type JobMessage, type JobSize } from './jobs';
import { SCENARIOS, SHORT_SCENARIOS, type Scenario } from './scenarios';
import { startStack, workersHealthy, type Stack, type WorkerCheck } from './stack';

/** Options of {@link runSuite}. */
export interface SuiteOptions {
  readonly seed: number;
  /** One trial of a few fast scenarios on one shared stack. */
  readonly short: boolean;
  /** Only these scenarios. @default all (or the short ones) */
  readonly only?: readonly string[];
  /** Keep the stacks' folders even when everything passed. @default false */
  readonly keepLogs?: boolean;
  /** Lines of progress. */
  readonly print: (line: string) => void;
}

/** One scenario's row. */
export interface ScenarioRow {
  readonly scenario: string;
  readonly trials: number;
  readonly submitted: number;
  /** FINISHED with exactly the expected sums. */
  readonly finishedCorrectly: number;
  /** Accepted jobs that did not finish correctly. */
  readonly lost: number;
  /** Jobs that completed more than once (their effects written twice). */
  readonly duplicatedJobs: number;
  /** Jobs a job master started more than once (expected only when the gateway died). */
  readonly reruns: number;
  /** Desired workers and running tasks on the master, after the last trial. */
  readonly desired: number;
  readonly running: number;
  readonly orphans: number;
  readonly duplicateWorkers: number;
  /**
   * Workers running before a fault and not after it, over all trials: replaced ones, and extra
   * ones the scheduler launched for waiting slot requests and released once idle.
   */
  readonly replaced: number;
  /** Seconds from the fault to healthy, the slowest trial; null when a trial never recovered. */
  readonly recoveryS: number | null;
  /** Seconds from the kill to a standby's takeover, the slowest trial; null when a trial never took over, undefined for other faults. */
  readonly takeoverS?: number | null;
  /** Why the scenario failed to run, when it did. */
  readonly error?: string;
}

/** The suite's outcome. */
export interface SuiteReport {
  readonly seed: number;
  readonly rows: readonly ScenarioRow[];
  readonly lost: number;
  readonly duplicated: number;
  readonly orphans: number;
  readonly duplicateWorkers: number;
  /** Where the suite's events were logged (kept, with the stacks' folders, when something failed or `keepLogs`). */
  readonly logDir: string;
  readonly failed: boolean;
}

// Short pauses: a bounded source runs its chain without yielding, so the pause blocks the
// TaskManager's event loop (heartbeats included) for records x recordMs / parallelism per subtask.
const JOB_SIZE: JobSize = { records: 240, recordMs: 3 };
/** How long a trial waits for recovery and for its jobs, before it counts them as not recovered or lost. */
const RECOVERY_TIMEOUT_MS = 120_000;
const JOBS_TIMEOUT_MS = 180_000;

interface TrialResult {
  submitted: number;
  finishedCorrectly: number;
  lost: number;
  duplicatedJobs: number;
  reruns: number;
  replaced: number;
  recoveryS: number | null;
  /** Undefined when the fault is no takeover. */
  takeoverS?: number | null;
  check: WorkerCheck;
}

/** Runs the suite; every process it starts is stopped before it resolves or rejects. */
export async function runSuite(options: SuiteOptions): Promise<SuiteReport> {
  const logDir = mkdtempSync(join(tmpdir(), 'mesoflow-faults-'));
  const eventLog = join(logDir, 'events.log');
  const log = (line: string): void => {
    appendFileSync(eventLog, `${new Date().toISOString()} ${line}\n`);
  };
  const random = seededRandom(options.seed);
  const wanted = options.only ?? (options.short ? SHORT_SCENARIOS : SCENARIOS.map((scenario) => scenario.name));
  const scenarios = SCENARIOS.filter((scenario) => wanted.includes(scenario.name));
  const trials = options.short ? 1 : 2;
  const jobsPerTrial = options.short ? 3 : 4;
  const rows: ScenarioRow[] = [];
  const stackDirs: string[] = [];
  options.print(`Fault suite, seed ${options.seed} (replay with REPLAY_SEED=${options.seed}); logs in ${logDir}`);

  // The short form shares one stack between its scenarios, to stay well under two minutes.
  const groups: Scenario[][] = options.short ? [scenarios] : scenarios.map((scenario) => [scenario]);
  for (const group of groups) {
    const first = group[0];
    if (!first) continue;
    let stack: Stack | undefined;
    try {
      const started = performance.now();
      stack = await startStack({
        name: `faults-${first.name}`,
        ha: group.some((scenario) => scenario.ha),
        jobSize: JOB_SIZE,
        agents: Math.max(...group.map((scenario) => scenario.agents(trials))),
        appMasters: Math.max(...group.map((scenario) => scenario.appMasters ?? 1)),
      });
      stackDirs.push(stack.cluster.dir);
      log(`Stack for ${group.map((scenario) => scenario.name).join(', ')} up in ${((performance.now() - started) / 1000).toFixed(1)} s at ${stack.cluster.dir}`);
      for (const scenario of group) {
        const results: TrialResult[] = [];
        try {
          for (let trial = 1; trial <= trials; trial++) {
            options.print(`  ${scenario.name}: trial ${trial} of ${trials}`);
            results.push(await runTrial(stack, scenario, `${scenario.name}-${trial}`, jobsPerTrial, random, (line) => log(`[${scenario.name} #${trial}] ${line}`)));
          }
          rows.push(rowOf(scenario, results));
        } catch (error) {
          log(`[${scenario.name}] failed: ${(error as Error).stack ?? String(error)}`);
          rows.push({ ...rowOf(scenario, results), error: (error as Error).message.split('\n')[0] ?? '' });
        }
      }
    } catch (error) {
      log(`Stack for ${first.name} failed: ${(error as Error).stack ?? String(error)}`);
      for (const scenario of group) rows.push({ ...rowOf(scenario, []), error: `the stack did not start: ${(error as Error).message.split('\n')[0] ?? ''}` });
    } finally {
      await stack?.stop();
    }
  }

  const sum = (field: 'lost' | 'duplicatedJobs' | 'orphans' | 'duplicateWorkers'): number => rows.reduce((total, row) => total + row[field], 0);
  const failed = rows.some(
    (row) =>
      row.error !== undefined ||
      row.lost > 0 ||
      row.duplicatedJobs > 0 ||
      row.orphans > 0 ||
      row.duplicateWorkers > 0 ||
      row.recoveryS === null ||
      row.running < row.desired,
  );
  if (!failed && !options.keepLogs) {
    for (const dir of [...stackDirs, logDir]) rmSync(dir, { recursive: true, force: true });
  } else {
    options.print(`Something failed: the logs are in ${logDir} (events.log) and ${stackDirs.join(', ')} (appmaster.log, mesos/ sandboxes)`);
  }
  return {
    seed: options.seed,
    rows,
    lost: sum('lost'),
    duplicated: sum('duplicatedJobs'),
    orphans: sum('orphans'),
    duplicateWorkers: sum('duplicateWorkers'),
    logDir,
    failed,
  };
}

/**
 * One trial: jobs are submitted a seeded gap apart while the fault lands at a seeded moment; then
 * the service must recover (healthy workers, the fault's own condition, the gateway answering)
 * and every accepted job must finish with the right sums, once.
 */
async function runTrial(stack: Stack, scenario: Scenario, trialId: string, jobs: number, random: () => number, log: (line: string) => void): Promise<TrialResult> {
  await waitFor(async () => workersHealthy(await stack.checkWorkers()), { timeoutMs: RECOVERY_TIMEOUT_MS, intervalMs: 250, description: 'healthy workers before the trial' });
  const before = new Set((await stack.checkWorkers()).running.map((task) => task.id));
  const tags = Array.from({ length: jobs }, (_, index) => `${trialId}-job${index + 1}`);
  const gapMs = Math.round(200 + random() * 800);
  const faultDelayMs = Math.round(300 + random() * 2_500);
  log(`${jobs} jobs ${gapMs} ms apart; the fault after ${faultDelayMs} ms`);
  const submissions = tags.map(async (tag, index) => {
    await sleep(index * gapMs);
    return stack.submit(tag, 90_000);
  });
  await sleep(faultDelayMs);
  const injected = await scenario.inject({ stack, random, log });

  let recoveryS: number | null = null;
  let takeoverS: number | null = null;
  try {
    await waitFor(
      async () => {
        const check = await stack.checkWorkers();
        if (takeoverS === null && injected.tookOver && (await injected.tookOver(check))) {
          takeoverS = (performance.now() - injected.recoveryFrom) / 1000;
          log(`Taken over in ${takeoverS.toFixed(2)} s`);
        }
        if (!workersHealthy(check)) return false;
        if (injected.recovered && !(await injected.recovered(check))) return false;
        await stack.jobs.list(1);
        return true;
      },
      { timeoutMs: RECOVERY_TIMEOUT_MS, intervalMs: 200, description: `${scenario.name} to recover` },
    );
    recoveryS = (performance.now() - injected.recoveryFrom) / 1000;
    log(`Recovered in ${recoveryS.toFixed(2)} s`);
  } catch (error) {
    log(`Did not recover: ${(error as Error).message}; last check: ${JSON.stringify(summarise(await stack.checkWorkers()))}`);
  }
  await injected.afterRecovery?.();

  const accepted: Array<{ tag: string; jobId: string }> = [];
  for (const [index, outcome] of (await Promise.allSettled(submissions)).entries()) {
    const tag = tags[index] ?? '';
    if (outcome.status === 'fulfilled') accepted.push({ tag, jobId: outcome.value });
    else log(`Submission '${tag}' was refused: ${(outcome.reason as Error).message}`);
  }
  const ends = new Map<string, JobMessage>();
  await waitFor(
    async () => {
      for (const { jobId } of accepted) {
        if (ends.has(jobId)) continue;
        const job = await stack.jobs.get(jobId).catch(() => undefined);
        if (job && hasEnded(job)) ends.set(jobId, job);
      }
      return ends.size === accepted.length;
    },
    { timeoutMs: JOBS_TIMEOUT_MS, intervalMs: 250, description: 'every accepted job to end' },
  ).catch((error: Error) => log(`Not every job ended: ${error.message}`));

  const expected = JSON.stringify(expectedSums(stack.planned.size));
  let finishedCorrectly = 0;
  let duplicatedJobs = 0;
  let reruns = 0;
  for (const { tag, jobId } of accepted) {
    const job = ends.get(jobId);
    const effects = stack.effects(tag);
    const correct = job?.state === JobState.FINISHED && JSON.stringify(collectedRecords(job)) === expected;
    if (correct) finishedCorrectly += 1;
    else log(`Job '${tag}' (${jobId}) did not finish correctly: ${job ? `state ${job.state}, failure '${job.failure ?? ''}', results ${JSON.stringify(collectedRecords(job))}` : 'it never ended'}`);
    // A completed execution writes the 4 final sums once; more means the job completed again.
    if (effects.length > 4) {
      duplicatedJobs += 1;
      log(`Job '${tag}' (${jobId}) completed more than once: ${effects.length} effect lines`);
    }
    if ((job?.attempts ?? 0) > 1) {
      reruns += 1;
      log(`Job '${tag}' (${jobId}) was started ${job?.attempts ?? 0} times by job masters`);
    }
  }
  const check = await stack.checkWorkers();
  const replaced = [...before].filter((id) => !check.running.some((task) => task.id === id)).length;
  if (replaced > 0) log(`${replaced} worker(s) running before the fault are gone after it (replaced, or idle extras released)`);
  log(`Trial done: ${JSON.stringify(summarise(check))}`);
  return { submitted: accepted.length, finishedCorrectly, lost: accepted.length - finishedCorrectly, duplicatedJobs, reruns, replaced, recoveryS, ...(injected.tookOver ? { takeoverS } : {}), check };
}

function summarise(check: WorkerCheck): Record<string, unknown> {
  return { ...check, running: check.running.map((task) => `${task.id}@${task.slave_id}`) };
}

/** The slowest of `seconds`; null when one is null or there are none. */
function slowest(seconds: ReadonlyArray<number | null>): number | null {
  return seconds.length === 0 || seconds.some((value) => value === null) ? null : Math.max(...seconds.map((value) => value ?? 0));
}

function rowOf({ name: scenario }: Scenario, results: readonly TrialResult[]): ScenarioRow {
  const total = (field: 'submitted' | 'finishedCorrectly' | 'lost' | 'duplicatedJobs' | 'reruns' | 'replaced'): number => results.reduce((sum, result) => sum + result[field], 0);
  const last = results[results.length - 1]?.check;
  const takeovers = results.flatMap((result) => (result.takeoverS === undefined ? [] : [result.takeoverS]));
  return {
    scenario,
    trials: results.length,
    submitted: total('submitted'),
    finishedCorrectly: total('finishedCorrectly'),
    lost: total('lost'),
    duplicatedJobs: total('duplicatedJobs'),
    reruns: total('reruns'),
    desired: last?.desired ?? 0,
    running: last?.running.length ?? 0,
    orphans: last?.orphans.length ?? 0,
    duplicateWorkers: last?.duplicates.length ?? 0,
    replaced: total('replaced'),
    recoveryS: slowest(results.map((result) => result.recoveryS)),
    ...(takeovers.length > 0 ? { takeoverS: slowest(takeovers) } : {}),
  };
}

function takeoverS(rows: readonly ScenarioRow[]): number | null {
  const slowestTakeover = slowest(rows.flatMap((row) => (row.takeoverS === undefined ? [] : [row.takeoverS])));
  return slowestTakeover === null ? null : Number(slowestTakeover.toFixed(2));
}

/** The report as a table, then the `BENCH` line last. */
export function formatReport(report: SuiteReport): string[] {
  const header = ['scenario', 'trials', 'submitted', 'finished ok', 'workers desired/running', 'orphans', 'dup jobs/workers', 'reruns', 'replaced', 'recovery s', 'takeover s'];
  const body = report.rows.map((row) => [
    row.scenario,
    String(row.trials),
    String(row.submitted),
    String(row.finishedCorrectly),
    `${row.desired}/${row.running}`,
    String(row.orphans),
    `${row.duplicatedJobs}/${row.duplicateWorkers}`,
    String(row.reruns),
    String(row.replaced),
    row.recoveryS === null ? 'never' : row.recoveryS.toFixed(2),
    row.takeoverS === undefined ? '-' : row.takeoverS === null ? 'never' : row.takeoverS.toFixed(2),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  const lines = [line(header), ...body.map(line)];
  for (const row of report.rows) if (row.error) lines.push(`${row.scenario}: ERROR ${row.error}`);
  const recovery = Object.fromEntries(report.rows.map((row) => [row.scenario, row.recoveryS === null ? null : Number(row.recoveryS.toFixed(2))]));
  lines.push(
    `BENCH ${JSON.stringify({
      lost: report.lost,
      duplicated: report.duplicated,
      orphans: report.orphans,
      duplicate_workers: report.duplicateWorkers,
      // The slowest standby takeover; null when none ran or one never completed.
      takeover_s: takeoverS(report.rows),
      recovery_s: recovery,
      reruns: Object.fromEntries(report.rows.map((row) => [row.scenario, row.reruns])),
      seed: report.seed,
    })}`,
  );
  return lines;
}
