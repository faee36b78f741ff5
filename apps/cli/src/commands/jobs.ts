// `mesoflow list`, `info <job>` and `cancel <job>`: the session cluster's jobs as the gateway
// knows them.
import { CliError } from '../cli-error';
import { describeJob, Progress } from '../output/progress';
import { isEnded, JobState, stateName, type JobMessage, type JobServiceClient } from '../remote/job-service-client';

const JOB_ID = /^[0-9a-f]{32}$/;

export function checkJobId(jobId: string): string {
  if (!JOB_ID.test(jobId)) throw new CliError(`'${jobId}' is not a job id; expected 32 lower-case hex characters, as \`mesoflow list\` shows them`);
  return jobId;
}

/** The jobs, newest first, as a table. */
export async function listJobs(client: JobServiceClient, limit: number): Promise<string> {
  const jobs = await client.list(limit);
  if (jobs.length === 0) return 'No jobs.';
  const rows = jobs.map((job) => [time(job.submitted_at_ms), job.job_id ?? '', stateName(job.state), duration(job), job.job_name ?? '']);
  return table(['SUBMITTED', 'JOB ID', 'STATE', 'DURATION', 'NAME'], rows);
}

/** Everything the gateway knows about one job. */
export async function jobInfo(client: JobServiceClient, jobId: string): Promise<string> {
  const job = await client.get(checkJobId(jobId));
  const lines = [
    `Job ${job.job_id}: ${job.job_name}`,
    `  state:       ${stateName(job.state)}${job.cancel_requested && !isEnded(job) ? ' (cancellation requested)' : ''}`,
    `  submission:  ${job.submission_id}`,
    `  submitted:   ${time(job.submitted_at_ms)}`,
    `  started:     ${time(job.started_at_ms)}`,
    `  ended:       ${time(job.ended_at_ms)}`,
    `  attempts:    ${job.attempts ?? 0}`,
  ];
  if (job.failure) lines.push(`  failure:     ${job.failure}`);
  if (job.progress_json) lines.push(`  progress:    ${describeJob(job).replace(/^[^:]*: /, '')}`);
  for (const result of job.results ?? []) {
    const records = result.records_json ?? [];
    lines.push(`  results of ${result.operator_id} (${records.length} records):`);
    for (const record of records.slice(0, 20)) lines.push(`    ${record}`);
    if (records.length > 20) lines.push(`    … ${records.length - 20} more`);
  }
  return lines.join('\n');
}

/** Requests the cancellation, then follows the job until it has stopped (Flink's `cancel`). */
export async function cancelJob(client: JobServiceClient, jobId: string, out: NodeJS.WritableStream & { isTTY?: boolean }): Promise<JobMessage> {
  const requested = await client.cancel(checkJobId(jobId));
  const progress = new Progress(out);
  progress.log(`Cancellation of job ${jobId} requested`);
  let last = requested;
  try {
    for await (const job of client.watch(jobId)) {
      last = job;
      progress.update(describeJob(job));
    }
  } finally {
    progress.finish(last.state === JobState.CANCELED ? `Job ${jobId} has been canceled` : `Job ${jobId} ended ${stateName(last.state)}`);
  }
  return last;
}

function time(ms: JobMessage['submitted_at_ms']): string {
  const value = Number(ms ?? 0);
  return value > 0 ? new Date(value).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-';
}

function duration(job: JobMessage): string {
  const started = Number(job.started_at_ms ?? 0);
  if (started === 0) return '-';
  const ended = Number(job.ended_at_ms ?? 0) || Date.now();
  return `${((ended - started) / 1000).toFixed(1)} s`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
