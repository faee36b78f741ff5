import { createHash } from 'node:crypto';
import { isSubmissionError, SubmissionErrorCode } from './errors';
import { isTerminal, stateOf } from './job-record';
import { clusterKeys, redisOptionsOf } from './redis';
import { decodeSubmission, encodeSubmission, jobIdOf, payloadDigest, type Submission } from './submission';

const submission: Submission = {
  submissionId: 's-1',
  jobName: 'word-count',
  jobGraph: new Uint8Array([1, 2, 3, 250]),
  bundle: { uri: 'http://artifacts/b.tgz', sha256: 'a'.repeat(64) },
  config: { 'parallelism.default': '4', 'state.backend': 'rocksdb' },
};

describe('jobIdOf', () => {
  it('is the first 16 bytes of the SHA-256 of the submission id, as lower-case hex', () => {
    const expected = createHash('sha256').update('s-1').digest('hex').slice(0, 32);
    expect(jobIdOf('s-1')).toBe(expected);
    expect(jobIdOf('s-1')).toMatch(/^[0-9a-f]{32}$/);
    expect(jobIdOf('s-2')).not.toBe(jobIdOf('s-1'));
  });

  it.each(['', 'a'.repeat(129), 'has space', 'slash/', 'ünïcode'])('refuses %j, naming it and what is expected', (id) => {
    let thrown: unknown;
    try {
      jobIdOf(id);
    } catch (error) {
      thrown = error;
    }
    expect(isSubmissionError(thrown, SubmissionErrorCode.INVALID_ARGUMENT)).toBe(true);
    expect((thrown as Error).message).toContain(JSON.stringify(id));
    expect((thrown as Error).message).toContain('1 to 128 characters of [A-Za-z0-9._:-]');
  });

  it('accepts the longest and every allowed character', () => {
    expect(jobIdOf('a'.repeat(128))).toHaveLength(32);
    expect(jobIdOf('Az09._:-')).toHaveLength(32);
  });
});

describe('payloadDigest', () => {
  it('ignores the order of config keys but not their values', () => {
    const reordered = { ...submission, config: { 'state.backend': 'rocksdb', 'parallelism.default': '4' } };
    expect(payloadDigest(reordered)).toBe(payloadDigest(submission));
    expect(payloadDigest({ ...submission, config: { ...submission.config, 'parallelism.default': '8' } })).not.toBe(
      payloadDigest(submission),
    );
    expect(payloadDigest({ ...submission, jobGraph: new Uint8Array([1, 2, 3]) })).not.toBe(payloadDigest(submission));
  });

  it('survives encoding and decoding with the job graph bytes intact', () => {
    const decoded = decodeSubmission(JSON.parse(JSON.stringify(encodeSubmission(submission, 'n', 5))), 'j');
    expect(decoded.submission).toEqual(submission);
    expect(payloadDigest(decoded.submission)).toBe(decoded.digest);
  });

  it('refuses data that is not a submission', () => {
    let thrown: unknown;
    try {
      decodeSubmission({ foo: 1 }, 'j');
    } catch (error) {
      thrown = error;
    }
    expect(isSubmissionError(thrown, SubmissionErrorCode.CORRUPT_JOB)).toBe(true);
  });
});

describe('stateOf', () => {
  it('maps BullMQ states to Flink states, with the cancel flag', () => {
    expect(stateOf({ bullState: 'waiting' }, false)).toBe('ACCEPTED');
    expect(stateOf({ bullState: 'waiting' }, true)).toBe('CANCELED');
    expect(stateOf({ bullState: 'active' }, true)).toBe('RUNNING');
    expect(stateOf({ bullState: 'completed' }, true)).toBe('FINISHED');
    expect(stateOf({ bullState: 'failed' }, false)).toBe('FAILED');
    expect(stateOf({ bullState: 'failed' }, true)).toBe('CANCELED');
    expect(stateOf({ bullState: 'unknown' }, false)).toBeUndefined();
    expect(['ACCEPTED', 'RUNNING', 'FINISHED', 'FAILED', 'CANCELED'].filter((s) => isTerminal(s as never))).toEqual([
      'FINISHED',
      'FAILED',
      'CANCELED',
    ]);
  });
});

describe('redis locations', () => {
  it('reads host, port, credentials and db from a URL', () => {
    expect(redisOptionsOf({ redisUrl: 'redis://u:p%40ss@127.0.0.1:7000/2' })).toEqual({
      host: '127.0.0.1',
      port: 7000,
      username: 'u',
      password: 'p@ss',
      db: 2,
    });
    expect(() => redisOptionsOf({ redisUrl: 'http://x' })).toThrow(/expected redis: or rediss:/);
  });

  it('refuses cluster names that Redis keys should not carry', () => {
    expect(clusterKeys('prod-1').queueName).toBe('submissions.prod-1');
    expect(() => clusterKeys('a:b')).toThrow(/Cluster name "a:b" is invalid/);
  });
});
