import { status } from '@grpc/grpc-js';
import { SubmissionError, SubmissionErrorCode } from '@mesoflow/dispatcher-submissions';
import { GatewayError, GatewayErrorCode, grpcStatusOf, httpStatusOf, toGatewayError } from './errors';

describe('gateway errors', () => {
  it('map submission errors to the codes clients act on', () => {
    const cases: Array<[SubmissionErrorCode, GatewayErrorCode, status, number]> = [
      [SubmissionErrorCode.INVALID_ARGUMENT, GatewayErrorCode.INVALID_ARGUMENT, status.INVALID_ARGUMENT, 400],
      [SubmissionErrorCode.SUBMISSION_CONFLICT, GatewayErrorCode.ALREADY_EXISTS, status.ALREADY_EXISTS, 409],
      [SubmissionErrorCode.UNKNOWN_JOB, GatewayErrorCode.NOT_FOUND, status.NOT_FOUND, 404],
      [SubmissionErrorCode.ALREADY_ENDED, GatewayErrorCode.FAILED_PRECONDITION, status.FAILED_PRECONDITION, 409],
      [SubmissionErrorCode.CLOSED, GatewayErrorCode.UNAVAILABLE, status.UNAVAILABLE, 503],
      [SubmissionErrorCode.CORRUPT_JOB, GatewayErrorCode.INTERNAL, status.INTERNAL, 500],
    ];
    for (const [from, code, grpcStatus, httpStatus] of cases) {
      const translated = toGatewayError(new SubmissionError(from, 'message'));
      expect(translated.code).toBe(code);
      expect(grpcStatusOf(translated.code)).toBe(grpcStatus);
      expect(httpStatusOf(translated.code)).toBe(httpStatus);
    }
    expect(httpStatusOf(GatewayErrorCode.UNAUTHENTICATED)).toBe(401);
  });

  it('keep gateway errors, and hide the details of unexpected ones', () => {
    const own = new GatewayError(GatewayErrorCode.NOT_FOUND, 'no job');
    expect(toGatewayError(own)).toBe(own);
    const hidden = toGatewayError(new Error('ECONNREFUSED redis://:password@host'));
    expect(hidden).toMatchObject({ code: GatewayErrorCode.INTERNAL, message: 'The request failed; see the dispatcher gateway log' });
  });
});
