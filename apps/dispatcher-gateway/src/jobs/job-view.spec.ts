import type { JobRecord } from '@mesoflow/dispatcher-submissions';
import { mesoflow } from '@mesoflow/proto';
import { collectedResults, jobJson, jobMessage } from './job-view';

const RECORD: JobRecord = { jobId: 'f'.repeat(32), submissionId: 's', jobName: 'J', state: 'ACCEPTED', submittedAt: 1_000, attempts: 0, cancelRequested: false };

describe('job views', () => {
  it('give the gRPC message every field, zero when unknown', () => {
    expect(jobMessage(RECORD)).toEqual({
      job_id: 'f'.repeat(32),
      submission_id: 's',
      job_name: 'J',
      state: mesoflow.dispatcher.v1.JobState.ACCEPTED,
      submitted_at_ms: 1_000,
      started_at_ms: 0,
      ended_at_ms: 0,
      attempts: 0,
      failure: '',
      cancel_requested: false,
      progress_json: '',
      results: [],
    });
    const finished: JobRecord = { ...RECORD, state: 'FINISHED', startedAt: 2_000, endedAt: 3_000, attempts: 1, progress: { phase: 'running' }, result: { collected: { sink: ['1', '2'] } } };
    expect(jobMessage(finished)).toMatchObject({ state: mesoflow.dispatcher.v1.JobState.FINISHED, progress_json: '{"phase":"running"}', results: [{ operator_id: 'sink', records_json: ['1', '2'] }] });
    expect(jobJson(finished)).toEqual({
      jobId: 'f'.repeat(32),
      submissionId: 's',
      jobName: 'J',
      state: 'FINISHED',
      submittedAt: 1_000,
      startedAt: 2_000,
      endedAt: 3_000,
      attempts: 1,
      cancelRequested: false,
      progress: { phase: 'running' },
      results: [{ operatorId: 'sink', records: ['1', '2'] }],
    });
  });

  it('show a result of another shape as one unnamed JSON record', () => {
    expect(collectedResults({ words: 3 })).toEqual([{ operatorId: '', records: ['{"words":3}'] }]);
    expect(collectedResults(null)).toEqual([]);
    expect(collectedResults({ collected: { sink: [[1, 2]] } })).toEqual([{ operatorId: 'sink', records: ['[1,2]'] }]);
  });
});
