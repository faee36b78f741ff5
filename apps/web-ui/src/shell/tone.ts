// The color a state word gets, for every kind of state the views carry: job states, task
// states, job master phases, worker records and Mesos task states.

export type Tone = 'running' | 'finished' | 'failed' | 'canceled' | 'pending';

const TONES: Readonly<Record<Exclude<Tone, 'pending'>, readonly string[]>> = {
  running: ['RUNNING', 'running', 'LAUNCHED', 'TASK_RUNNING'],
  finished: ['FINISHED', 'TASK_FINISHED'],
  failed: ['FAILED', 'restarting', 'TASK_FAILED', 'TASK_LOST', 'TASK_ERROR', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_DROPPED', 'TASK_UNREACHABLE'],
  canceled: ['CANCELED', 'CANCELING', 'RELEASED', 'TASK_KILLED', 'TASK_KILLING'],
};

/** A state's tone; anything on its way (ACCEPTED, SCHEDULED, TASK_STAGING, waiting-for-slots, ...) is pending. */
export function toneOf(state: string): Tone {
  for (const [tone, states] of Object.entries(TONES)) if (states.includes(state)) return tone as Tone;
  return 'pending';
}
