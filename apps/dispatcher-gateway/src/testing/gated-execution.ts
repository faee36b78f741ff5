// A real, simple job execution for tests: each run reports progress, then waits until the test
// releases it (or its signal aborts) and returns collected records the way a job master does.
import type { JsonValue, RunContext } from '@mesoflow/dispatcher-submissions';
import type { JobExecution } from '../execution/job-master-execution';

type Gate = (outcome: 'finish' | 'fail') => void;

export class GatedExecution implements JobExecution {
  readonly started: RunContext[] = [];
  private readonly gates = new Map<string, Gate>();
  private readonly waiting = new Map<string, Array<(gate: Gate) => void>>();

  run(context: RunContext): Promise<JsonValue> {
    this.started.push(context);
    const id = context.submission.submissionId;
    return new Promise<JsonValue>((resolve, reject) => {
      context.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      const gate: Gate = (outcome) => {
        if (outcome === 'fail') reject(new Error(`Operator 'Map' failed in job '${context.jobId}'`));
        else resolve({ collected: { sink: ['["be",2]', '["to",2]'] } });
      };
      void context.progress({ phase: 'running', attempt: context.attempt }).then(() => {
        this.gates.set(id, gate);
        for (const waiter of this.waiting.get(id)?.splice(0) ?? []) waiter(gate);
      });
    });
  }

  /** Resolves once the run of `submissionId` is running (its progress stored). */
  running(submissionId: string): Promise<Gate> {
    const gate = this.gates.get(submissionId);
    if (gate) return Promise.resolve(gate);
    return new Promise((resolve) => this.waiting.set(submissionId, [...(this.waiting.get(submissionId) ?? []), resolve]));
  }

  /** Waits for the run of `submissionId`, then ends it. */
  async release(submissionId: string, outcome: 'finish' | 'fail' = 'finish'): Promise<void> {
    const gate = await this.running(submissionId);
    this.gates.delete(submissionId);
    gate(outcome);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
