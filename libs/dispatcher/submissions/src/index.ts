/** Durable job submissions for the dispatcher: a BullMQ queue on Redis, and the runners that take jobs from it. */
export { SubmissionError, SubmissionErrorCode, isSubmissionError } from './errors';
export type { SubmissionErrorDetails } from './errors';
export { jobIdOf, validateSubmissionId } from './submission';
export type { JsonValue, Submission } from './submission';
export { isTerminal } from './job-record';
export type { JobRecord, JobState } from './job-record';
export type { RedisLocation } from './redis';
export { SubmissionQueue } from './submission-queue';
export type { ListOptions, SubmissionQueueOptions, SubmitResult } from './submission-queue';
export { JobRunner } from './job-runner';
export type { CloseOptions, JobRunnerOptions, RunContext, RunFunction } from './job-runner';
