import { compileJobGraph, encodeJobGraph, StreamExecutionEnvironment } from '@mesoflow/dataflow-api';
import { mesoflow } from '@mesoflow/proto';
import { GatewayErrorCode } from '../errors';
import { PROGRAM_ARGS_KEY, programArgsOf, toSubmission, type SubmitInput } from './submit-request';

const SHA = 'c'.repeat(64);

function graph(bundle?: { path: string; sha256: string }): Uint8Array {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.fromCollection([1, 2, 3]).map((n: number) => n * 2).collect();
  return encodeJobGraph(compileJobGraph(env, 'Doubles', bundle ? { bundle } : {}));
}

function input(overrides: Partial<SubmitInput> = {}): SubmitInput {
  return { submissionId: 'doubles-1', jobName: '', jobGraph: graph({ path: 'jobs/doubles.js', sha256: SHA }), bundle: { uri: 'http://artifacts/jobs/doubles.js', sha256: SHA }, config: {}, programArgs: [], ...overrides };
}

function refusal(overrides: Partial<SubmitInput>): unknown {
  try {
    toSubmission(input(overrides));
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('toSubmission', () => {
  it('takes the name from the graph and keeps program arguments in the config', () => {
    const submission = toSubmission(input({ programArgs: ['--in', 'a b'], config: { 'parallelism.default': '3' } }));
    expect(submission).toMatchObject({ submissionId: 'doubles-1', jobName: 'Doubles', bundle: { uri: 'http://artifacts/jobs/doubles.js', sha256: SHA } });
    expect(submission.config).toEqual({ 'parallelism.default': '3', [PROGRAM_ARGS_KEY]: '["--in","a b"]' });
    expect(programArgsOf(submission)).toEqual(['--in', 'a b']);
    expect(toSubmission(input({ jobName: 'Mine' })).jobName).toBe('Mine');
    expect(programArgsOf(toSubmission(input()))).toEqual([]);
  });

  it('accepts a graph without a bundle reference and no bundle', () => {
    expect(toSubmission(input({ jobGraph: graph(), bundle: undefined })).bundle).toBeUndefined();
  });

  it('refuses with INVALID_ARGUMENT naming what is wrong', () => {
    const cases: Array<[Partial<SubmitInput>, string]> = [
      [{ submissionId: '' }, 'Submission id "" is invalid'],
      [{ submissionId: 'a'.repeat(129) }, 'is invalid: expected 1 to 128 characters'],
      [{ jobGraph: new Uint8Array() }, 'The job graph is missing'],
      [{ jobGraph: new Uint8Array([0x0a, 0xff]) }, 'are not a mesoflow.dataflow.v1.JobGraph'],
      [{ jobGraph: mesoflow.dataflow.v1.JobGraph.encode({ job_name: 'Nothing' }).finish() }, "Job graph 'Nothing' is invalid"],
      [{ bundle: { uri: '', sha256: SHA } }, 'The bundle has no uri'],
      [{ bundle: { uri: 'x', sha256: 'ABC' } }, 'is not 64 lower-case hex characters'],
      [{ bundle: { uri: 'x', sha256: 'd'.repeat(64) } }, "not the one the job graph was planned with ('" + SHA + "')"],
      [{ bundle: undefined }, "needs the program bundle 'jobs/doubles.js'"],
      [{ config: { [PROGRAM_ARGS_KEY]: '[]' } }, 'is reserved'],
    ];
    for (const [overrides, message] of cases) {
      const error = refusal(overrides);
      expect(error).toMatchObject({ code: GatewayErrorCode.INVALID_ARGUMENT });
      expect((error as Error).message).toContain(message);
    }
  });
});
