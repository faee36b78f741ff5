import { toneOf } from './tone';

describe('state tones', () => {
  it('color every kind of state', () => {
    expect(['RUNNING', 'TASK_RUNNING', 'running', 'LAUNCHED'].map(toneOf)).toEqual(['running', 'running', 'running', 'running']);
    expect(['FINISHED', 'TASK_FINISHED'].map(toneOf)).toEqual(['finished', 'finished']);
    expect(['FAILED', 'TASK_LOST', 'restarting'].map(toneOf)).toEqual(['failed', 'failed', 'failed']);
    expect(['CANCELED', 'CANCELING', 'TASK_KILLED', 'RELEASED'].map(toneOf)).toEqual(['canceled', 'canceled', 'canceled', 'canceled']);
    expect(['ACCEPTED', 'SCHEDULED', 'DEPLOYING', 'NEW', 'TASK_STAGING', 'waiting-for-slots', ''].map(toneOf)).toEqual(Array(7).fill('pending'));
  });
});
