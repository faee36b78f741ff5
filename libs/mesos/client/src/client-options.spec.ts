import { CLIENT_DEFAULTS, compileClientOptions, type MesosSchedulerClientOptions } from './client-options';
import { MesosClientError, MesosClientErrorCode } from './errors';

const valid: MesosSchedulerClientOptions = {
  master: '127.0.0.1:5050',
  frameworkInfo: { user: 'svc', name: 'fw' },
};

function problemsOf(options: object): MesosClientError {
  try {
    compileClientOptions(options as MesosSchedulerClientOptions);
  } catch (error) {
    if (error instanceof MesosClientError) return error;
    throw error;
  }
  throw new Error('expected the options to be rejected');
}

describe('compileClientOptions', () => {
  it('applies the defaults', () => {
    const compiled = compileClientOptions(valid);
    expect(compiled).toMatchObject({
      master: { kind: 'http', endpoint: 'http://127.0.0.1:5050/api/v1/scheduler' },
      mediaType: 'application/json',
      missedHeartbeats: 5,
      backoff: CLIENT_DEFAULTS.backoff,
      callTimeoutMs: 75_000,
      maxRedirects: 5,
      frameworkId: undefined,
      suppressedRoles: [],
    });
  });

  it('takes the framework ID from frameworkInfo.id when not given separately', () => {
    expect(compileClientOptions({ ...valid, frameworkInfo: { ...valid.frameworkInfo, id: { value: 'f-1' } } }).frameworkId).toBe('f-1');
  });

  it('lists every problem at once, with key, value and expectation', () => {
    const error = problemsOf({
      master: 'zk://z1:2181',
      frameworkInfo: { name: '' },
      mediaType: 'text/plain',
      missedHeartbeats: 0,
      backoff: { initialMs: 1_000, maxMs: 10, multiplier: 0.5, jitter: 'none' },
      callTimeoutMs: 1.5,
    });
    expect(error.code).toBe(MesosClientErrorCode.INVALID_OPTION);
    for (const part of [
      'znode path',
      "option 'frameworkInfo.user' is undefined; expected a string",
      "option 'frameworkInfo.name' is ''; expected a non-empty string",
      "option 'mediaType' is 'text/plain'; expected 'application/json' or 'application/x-protobuf'",
      "option 'missedHeartbeats' is 0; expected a number ≥ 1",
      "option 'backoff.multiplier' is 0.5; expected a number ≥ 1",
      "option 'backoff.jitter' is 'none'; expected 'full' or 'decorrelated'",
      "option 'backoff.maxMs' is 10; expected a number ≥ backoff.initialMs (1000)",
      "option 'callTimeoutMs' is 1.5; expected an integer from 1",
    ]) {
      expect(error.message).toContain(part);
    }
  });

  it('uses INVALID_MASTER_ADDRESS when the address is the only problem', () => {
    expect(problemsOf({ ...valid, master: 'ftp://x' }).code).toBe(MesosClientErrorCode.INVALID_MASTER_ADDRESS);
  });

  it('rejects a conflicting framework ID', () => {
    expect(problemsOf({ ...valid, frameworkId: 'a', frameworkInfo: { ...valid.frameworkInfo, id: { value: 'b' } } }).message).toContain(
      "option 'frameworkInfo.id' is 'b'",
    );
  });

  it('never puts the secret in a message', () => {
    const error = problemsOf({ ...valid, credential: { principal: 'p:q', secret: 'hunter2:x' } });
    expect(error.message).toContain("option 'credential.principal' is 'p:q'");
    expect(error.message).toContain("option 'credential.secret' is invalid");
    expect(error.message).not.toContain('hunter2');
  });
});
