import { GatewayErrorCode } from '../errors';
import { TokenAuth } from './token-auth';

describe('TokenAuth', () => {
  it('allows everything without a token', () => {
    const auth = new TokenAuth(undefined);
    expect(auth.enabled).toBe(false);
    expect(() => auth.check(undefined)).not.toThrow();
    expect(new TokenAuth('').enabled).toBe(false);
  });

  it('requires exactly the bearer token, and never says what it is', () => {
    const auth = new TokenAuth('s3cret');
    expect(() => auth.check('Bearer s3cret')).not.toThrow();
    expect(() => auth.check('bearer   s3cret ')).not.toThrow();
    for (const header of [undefined, '', 's3cret', 'Basic s3cret', 'Bearer s3cre', 'Bearer s3cret2']) {
      let error: unknown;
      try {
        auth.check(header);
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: GatewayErrorCode.UNAUTHENTICATED });
      expect((error as Error).message).not.toContain('s3cret');
    }
  });
});
