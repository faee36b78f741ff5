// Progress of long waits: one line redrawn in place on a terminal, plain lines (only when
// something changed) when the output is a file or a pipe, so logs stay readable.
import { stateName, type JobMessage } from '../remote/job-service-client';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class Progress {
  private readonly tty: boolean;
  private text = '';
  private lastPrinted = '';
  private frame = 0;
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean }) {
    this.tty = out.isTTY === true;
  }

  /** Shows what is being waited for now. */
  update(text: string): void {
    this.text = text;
    if (this.tty) {
      this.timer ??= setInterval(() => this.redraw(), 200).unref();
      this.redraw();
    } else if (text !== this.lastPrinted) {
      this.lastPrinted = text;
      this.out.write(`${text}\n`);
    }
  }

  /** Prints a line that stays, above the progress line. */
  log(line: string): void {
    this.clear();
    this.out.write(`${line}\n`);
    if (this.tty && this.timer !== undefined) this.redraw();
  }

  /** Ends the progress line, leaving `line` in its place. */
  finish(line?: string): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
    if (line !== undefined) this.out.write(`${line}\n`);
  }

  private redraw(): void {
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(0);
    this.frame = (this.frame + 1) % SPINNER.length;
    this.out.write(`\r\x1b[K${SPINNER[this.frame]} ${this.text} (${seconds} s)`);
  }

  private clear(): void {
    if (this.tty) this.out.write('\r\x1b[K');
  }
}

interface JobProgress {
  phase?: string;
  restarts?: number;
  tasks?: Record<string, number>;
}

/** `WordCount 3f2a9c1e: RUNNING, 2 tasks DEPLOYING, 2 RUNNING` from the job master's progress. */
export function describeJob(job: JobMessage): string {
  const name = `${job.job_name || 'job'} ${job.job_id ?? ''}`;
  let progress: JobProgress = {};
  try {
    progress = job.progress_json ? (JSON.parse(job.progress_json) as JobProgress) : {};
  } catch {
    // A progress report this CLI does not understand still leaves the state to show.
  }
  const parts = [stateName(job.state)];
  if (progress.phase !== undefined && progress.phase !== '') parts.push(phaseText(progress.phase));
  const tasks = Object.entries(progress.tasks ?? {}).filter(([, count]) => count > 0);
  if (tasks.length > 0) parts.push(`tasks ${tasks.map(([state, count]) => `${count} ${state}`).join(', ')}`);
  if ((progress.restarts ?? 0) > 0) parts.push(`${progress.restarts} restart(s)`);
  if ((job.attempts ?? 0) > 1) parts.push(`attempt ${job.attempts}`);
  return `${name}: ${parts.join(', ')}`;
}

function phaseText(phase: string): string {
  return phase.replace(/[-_]/g, ' ').toLowerCase();
}
