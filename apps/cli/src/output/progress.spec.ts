import { PassThrough } from 'node:stream';
import { JobState } from '../remote/job-service-client';
import { describeJob, Progress } from './progress';

function capture(tty: boolean): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream: PassThrough & { isTTY?: boolean } = new PassThrough();
  stream.isTTY = tty;
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  return { stream, text: () => chunks.join('') };
}

describe('describeJob', () => {
  it("summarizes the state, the job master's phase and the tasks per state", () => {
    const job = { job_id: 'a'.repeat(32), job_name: 'WordCount', state: JobState.RUNNING, attempts: 2, progress_json: JSON.stringify({ phase: 'waiting-for-slots', restarts: 1, tasks: { SCHEDULED: 2, RUNNING: 0 } }) };
    expect(describeJob(job)).toBe(`WordCount ${'a'.repeat(32)}: RUNNING, waiting for slots, tasks 2 SCHEDULED, 1 restart(s), attempt 2`);
  });

  it('shows the state alone without progress, or with progress it cannot read', () => {
    expect(describeJob({ job_id: 'b', job_name: 'J', state: JobState.ACCEPTED })).toBe('J b: ACCEPTED');
    expect(describeJob({ job_id: 'b', job_name: 'J', state: JobState.ACCEPTED, progress_json: '{oops' })).toBe('J b: ACCEPTED');
  });
});

describe('Progress', () => {
  it('prints a plain line only when the text changes when the output is not a terminal', () => {
    const out = capture(false);
    const progress = new Progress(out.stream);
    progress.update('Planning');
    progress.update('Planning');
    progress.log('Submitted');
    progress.update('RUNNING');
    progress.finish('FINISHED');
    expect(out.text()).toBe('Planning\nSubmitted\nRUNNING\nFINISHED\n');
  });

  it('redraws one line in place on a terminal and clears it before a lasting line', () => {
    const out = capture(true);
    const progress = new Progress(out.stream);
    progress.update('Planning');
    progress.finish('done');
    const clear = '\r\u001b[K';
    const text = out.text();
    expect(text.startsWith(clear)).toBe(true);
    expect(text.endsWith(`Planning (0 s)${clear}done\n`)).toBe(true);
  });
});
