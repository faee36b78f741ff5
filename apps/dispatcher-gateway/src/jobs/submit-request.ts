import { decodeJobGraph, isDataflowError, validateJobGraph } from '@mesoflow/dataflow-api';
import { validateSubmissionId, isSubmissionError, type Submission } from '@mesoflow/dispatcher-submissions';
import { GatewayError, GatewayErrorCode } from '../errors';

/**
 * The config key under which a submission carries its program arguments (Flink's name): the
 * submission library stores config, not arguments, and the job master hands them to the
 * TaskManagers, which run the program with them.
 */
export const PROGRAM_ARGS_KEY = '$internal.application.program-args';

/** A submit as both transports read it, before validation. */
export interface SubmitInput {
  submissionId: string;
  /** Empty: the job graph's name. */
  jobName: string;
  jobGraph: Uint8Array;
  bundle: { uri: string; sha256: string } | undefined;
  config: Record<string, string>;
  programArgs: readonly string[];
}

const SHA256 = /^[0-9a-f]{64}$/;

function invalid(message: string, cause?: unknown): GatewayError {
  return new GatewayError(GatewayErrorCode.INVALID_ARGUMENT, message, cause === undefined ? undefined : { cause });
}

/**
 * The submission to queue, once the input is known to be runnable: a valid submission id, a job
 * graph that decodes and validates, a bundle that matches the graph's. Throws a
 * {@link GatewayError} INVALID_ARGUMENT naming what is wrong.
 */
export function toSubmission(input: SubmitInput): Submission {
  try {
    validateSubmissionId(input.submissionId);
  } catch (error) {
    if (isSubmissionError(error)) throw invalid(error.message, error);
    throw error;
  }
  if (input.jobGraph.length === 0) throw invalid('The job graph is missing: expected an encoded mesoflow.dataflow.v1.JobGraph');
  let graph;
  try {
    graph = decodeJobGraph(input.jobGraph);
    validateJobGraph(graph);
  } catch (error) {
    if (isDataflowError(error)) throw invalid(`The job graph is not usable: ${error.message}`, error);
    throw error;
  }
  const jobName = input.jobName !== '' ? input.jobName : graph.job_name;
  if (jobName === '') throw invalid('The job has no name: set job_name or name the job graph');
  const bundle = input.bundle;
  if (bundle !== undefined) {
    if (bundle.uri === '') throw invalid('The bundle has no uri');
    if (!SHA256.test(bundle.sha256)) throw invalid(`The bundle's sha256 ${JSON.stringify(bundle.sha256)} is not 64 lower-case hex characters`);
    const expected = graph.bundle?.sha256;
    if (expected && expected !== bundle.sha256) {
      throw invalid(`The bundle's sha256 '${bundle.sha256}' is not the one the job graph was planned with ('${expected}')`);
    }
  } else if (graph.bundle?.path) {
    throw invalid(`The job graph needs the program bundle '${graph.bundle.path}', but the submission has no bundle uri`);
  }
  if (Object.prototype.hasOwnProperty.call(input.config, PROGRAM_ARGS_KEY)) {
    throw invalid(`Config key '${PROGRAM_ARGS_KEY}' is reserved: pass program arguments as program_args`);
  }
  const config = { ...input.config };
  if (input.programArgs.length > 0) config[PROGRAM_ARGS_KEY] = JSON.stringify(input.programArgs);
  return {
    submissionId: input.submissionId,
    jobName,
    jobGraph: input.jobGraph,
    ...(bundle === undefined ? {} : { bundle: { uri: bundle.uri, sha256: bundle.sha256 } }),
    config,
  };
}

/** The program arguments a submission carries (see {@link PROGRAM_ARGS_KEY}). */
export function programArgsOf(submission: Submission): string[] {
  const text = submission.config[PROGRAM_ARGS_KEY];
  if (text === undefined) return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.map(String) : [];
}
