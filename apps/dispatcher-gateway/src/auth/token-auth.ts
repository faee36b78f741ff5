import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayError, GatewayErrorCode } from '../errors';

/**
 * Bearer token check for the calls that change something (submit, cancel). Without a token
 * every call is allowed. The token is kept only as its SHA-256 and never logged.
 */
export class TokenAuth {
  private readonly digest: Buffer | undefined;

  /** @param token the expected token; undefined or empty: no authentication. */
  constructor(token: string | undefined) {
    this.digest = token === undefined || token === '' ? undefined : sha256(token);
  }

  /** True when a token is required. */
  get enabled(): boolean {
    return this.digest !== undefined;
  }

  /**
   * Checks an `authorization` header value (`Bearer <token>`).
   * @throws GatewayError UNAUTHENTICATED when a token is required and this is not it.
   */
  check(authorization: string | undefined): void {
    if (this.digest === undefined) return;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw new GatewayError(GatewayErrorCode.UNAUTHENTICATED, 'This call needs an authorization: Bearer <token> header');
    if (!timingSafeEqual(sha256(match[1] ?? ''), this.digest)) throw new GatewayError(GatewayErrorCode.UNAUTHENTICATED, 'The bearer token is not valid');
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
