import { GatewayErrorCode } from '../errors';
import { submitInputOfJson } from './submit-body';

describe('submitInputOfJson', () => {
  it('reads the REST submit body', () => {
    expect(
      submitInputOfJson({ submissionId: 's-1', jobName: 'J', jobGraph: Buffer.from([1, 2, 3]).toString('base64'), bundle: { uri: 'u', sha256: 'h' }, config: { a: 'b' }, programArgs: ['x'] }),
    ).toEqual({ submissionId: 's-1', jobName: 'J', jobGraph: new Uint8Array([1, 2, 3]), bundle: { uri: 'u', sha256: 'h' }, config: { a: 'b' }, programArgs: ['x'] });
    expect(submitInputOfJson({ submissionId: 's-2' })).toEqual({ submissionId: 's-2', jobName: '', jobGraph: new Uint8Array(), bundle: undefined, config: {}, programArgs: [] });
  });

  it('names the field that is wrong', () => {
    const cases: Array<[unknown, string]> = [
      [[], 'The request body must be a JSON object'],
      [{ submissionId: 7 }, "Field 'submissionId' must be a string"],
      [{ jobGraph: 'not base64!' }, "Field 'jobGraph' must be the encoded job graph in base64"],
      [{ bundle: 'u' }, "Field 'bundle' must be an object"],
      [{ config: { a: 1 } }, "Field 'config.a' must be a string"],
      [{ programArgs: [1] }, "Field 'programArgs' must be an array of strings"],
    ];
    for (const [body, message] of cases) {
      let error: unknown;
      try {
        submitInputOfJson(body);
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: GatewayErrorCode.INVALID_ARGUMENT, message: expect.stringContaining(message) });
    }
  });
});
