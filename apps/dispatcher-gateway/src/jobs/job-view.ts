import type { JobRecord, JobState, JsonValue } from '@mesoflow/dispatcher-submissions';
import { mesoflow } from '@mesoflow/proto';

const v1 = mesoflow.dispatcher.v1;

/** `mesoflow.dispatcher.v1.Job` as grpc-js takes it (plain object, enums as numbers). */
export type JobMessage = mesoflow.dispatcher.v1.Job.$Properties;

/** What a job run returns, as stored in the queue: each collect sink's records as JSON texts. */
export interface JobOutcome {
  [key: string]: JsonValue;
  collected: { [operatorId: string]: string[] };
}

/** The proto enum value of a job state. */
export function jobStateNumber(state: JobState): mesoflow.dispatcher.v1.JobState {
  switch (state) {
    case 'ACCEPTED':
      return v1.JobState.ACCEPTED;
    case 'RUNNING':
      return v1.JobState.RUNNING;
    case 'FINISHED':
      return v1.JobState.FINISHED;
    case 'FAILED':
      return v1.JobState.FAILED;
    case 'CANCELED':
      return v1.JobState.CANCELED;
  }
}

/** A job's collected results, per collect sink; a result of another shape is one unnamed record. */
export function collectedResults(result: JsonValue | undefined): Array<{ operatorId: string; records: string[] }> {
  if (result === undefined || result === null) return [];
  if (typeof result === 'object' && !Array.isArray(result) && typeof result['collected'] === 'object' && result['collected'] !== null && !Array.isArray(result['collected'])) {
    return Object.entries(result['collected']).map(([operatorId, records]) => ({
      operatorId,
      records: Array.isArray(records) ? records.map((record) => (typeof record === 'string' ? record : JSON.stringify(record))) : [JSON.stringify(records)],
    }));
  }
  return [{ operatorId: '', records: [JSON.stringify(result)] }];
}

/** The gRPC message of a job. */
export function jobMessage(record: JobRecord): JobMessage {
  return {
    job_id: record.jobId,
    submission_id: record.submissionId,
    job_name: record.jobName,
    state: jobStateNumber(record.state),
    submitted_at_ms: record.submittedAt,
    started_at_ms: record.startedAt ?? 0,
    ended_at_ms: record.endedAt ?? 0,
    attempts: record.attempts,
    failure: record.failure ?? '',
    cancel_requested: record.cancelRequested,
    progress_json: record.progress === undefined ? '' : JSON.stringify(record.progress),
    results: collectedResults(record.result).map(({ operatorId, records }) => ({ operator_id: operatorId, records_json: records })),
  };
}

/** A job in the REST API's JSON: the record, with the runner's result as collected results. */
export type JobJson = Omit<JobRecord, 'result'> & { results?: Array<{ operatorId: string; records: string[] }> };

/** The REST JSON of a job. */
export function jobJson(record: JobRecord): JobJson {
  const { result, ...shown } = record;
  return record.state === 'FINISHED' ? { ...shown, results: collectedResults(result) } : shown;
}
