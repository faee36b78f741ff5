import { createHash } from 'node:crypto';
import { SubmissionError, SubmissionErrorCode } from './errors';

/** A JSON value: what a runner may report as progress or return as a result. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A job submitted to the dispatcher. The client chooses `submissionId`, so a retried submit is idempotent. */
export interface Submission {
  /** The client's id for this submission: 1–128 characters of `[A-Za-z0-9._:-]`. */
  submissionId: string;
  jobName: string;
  /** The encoded job graph (protobuf); opaque to this library. */
  jobGraph: Uint8Array;
  /** The user code bundle, when the job needs one. */
  bundle?: { uri: string; sha256: string };
  config: Record<string, string>;
}

const SUBMISSION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Throws {@link SubmissionErrorCode.INVALID_ARGUMENT} unless `submissionId` is 1–128 characters of `[A-Za-z0-9._:-]`. */
export function validateSubmissionId(submissionId: string): void {
  if (typeof submissionId !== 'string' || !SUBMISSION_ID.test(submissionId)) {
    throw new SubmissionError(
      SubmissionErrorCode.INVALID_ARGUMENT,
      `Submission id ${JSON.stringify(submissionId)} is invalid: expected 1 to 128 characters of [A-Za-z0-9._:-]`,
    );
  }
}

/**
 * The Flink-style JobID of a submission: the first 16 bytes of the SHA-256 of its id, as 32
 * lower-case hex characters. Deterministic, so a retried submit lands on the same job.
 */
export function jobIdOf(submissionId: string): string {
  validateSubmissionId(submissionId);
  return createHash('sha256').update(submissionId, 'utf8').digest('hex').slice(0, 32);
}

/** True when `jobId` looks like a JobID made by {@link jobIdOf}. */
export function isJobId(jobId: string): boolean {
  return /^[0-9a-f]{32}$/.test(jobId);
}

/** A submission as stored in the BullMQ job's data (JSON, so the job graph is base64). */
export interface StoredSubmission {
  submissionId: string;
  jobName: string;
  jobGraph: string;
  bundle?: { uri: string; sha256: string };
  config: Record<string, string>;
  /** {@link payloadDigest} of the submission: how a re-submit is told apart from a conflicting one. */
  digest: string;
  /** A random id of the submit call that created the job: how a submit knows whether it created it. */
  submitNonce: string;
  submittedAt: number;
}

/**
 * SHA-256 over a canonical encoding of the payload (everything but the id): config keys sorted,
 * so the same submission built in a different key order is still the same.
 */
export function payloadDigest(submission: Submission): string {
  const config = Object.keys(submission.config)
    .sort()
    .map((key) => [key, submission.config[key]]);
  const canonical = JSON.stringify([
    submission.jobName,
    Buffer.from(submission.jobGraph).toString('base64'),
    submission.bundle ? [submission.bundle.uri, submission.bundle.sha256] : null,
    config,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** The job data stored for a submission. */
export function encodeSubmission(submission: Submission, submitNonce: string, submittedAt: number): StoredSubmission {
  return {
    submissionId: submission.submissionId,
    jobName: submission.jobName,
    jobGraph: Buffer.from(submission.jobGraph).toString('base64'),
    ...(submission.bundle ? { bundle: { uri: submission.bundle.uri, sha256: submission.bundle.sha256 } } : {}),
    config: { ...submission.config },
    digest: payloadDigest(submission),
    submitNonce,
    submittedAt,
  };
}

/**
 * Stored job data, checked, without decoding the job graph (job records need only its fields);
 * {@link SubmissionErrorCode.CORRUPT_JOB} when it is not ours.
 */
export function storedSubmissionOf(data: unknown, jobId: string): StoredSubmission {
  const stored = data as Partial<StoredSubmission> | null;
  if (
    !stored ||
    typeof stored.submissionId !== 'string' ||
    typeof stored.jobName !== 'string' ||
    typeof stored.jobGraph !== 'string' ||
    typeof stored.digest !== 'string' ||
    typeof stored.submitNonce !== 'string' ||
    typeof stored.submittedAt !== 'number' ||
    typeof stored.config !== 'object'
  ) {
    throw new SubmissionError(SubmissionErrorCode.CORRUPT_JOB, `Job '${jobId}' does not hold a submission`, { jobId });
  }
  return stored as StoredSubmission;
}

/** The submission back from stored job data; {@link SubmissionErrorCode.CORRUPT_JOB} when it is not ours. */
export function decodeSubmission(data: unknown, jobId: string): StoredSubmission & { submission: Submission } {
  const full = storedSubmissionOf(data, jobId);
  return {
    ...full,
    submission: {
      submissionId: full.submissionId,
      jobName: full.jobName,
      jobGraph: new Uint8Array(Buffer.from(full.jobGraph, 'base64')),
      ...(full.bundle ? { bundle: full.bundle } : {}),
      config: full.config,
    },
  };
}
