import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a signed URL was refused (for logs; the client only sees 403). */
export type SignatureProblem = 'missing' | 'malformed' | 'expired' | 'mismatch';

const EXPIRES_PATTERN = /^\d{1,12}$/;
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Signs and checks URLs for secret artifacts: HMAC-SHA256 over `METHOD\nPATH\nEXPIRES` with the
 * server's key, sent as `?expires=<unix seconds>&signature=<base64url>`. The Mesos fetcher
 * cannot send headers, so the URL itself carries the authorisation.
 */
export class UrlSigner {
  constructor(private readonly key: Buffer) {}

  /** The signature of `method` on `urlPath` (the decoded path, from its first `/`) until `expires`. */
  sign(method: string, urlPath: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${method}\n${urlPath}\n${expires}`).digest('base64url');
  }

  /** The query string (without `?`) that makes `urlPath` fetchable with `method` until `expires`. */
  query(method: string, urlPath: string, expires: number): string {
    return `expires=${expires}&signature=${this.sign(method, urlPath, expires)}`;
  }

  /**
   * Checks the `expires` and `signature` of a request's query string; undefined when they
   * are valid at `nowSeconds`, else what is wrong. Compares in constant time.
   */
  verify(method: string, urlPath: string, query: string, nowSeconds: number): SignatureProblem | undefined {
    const params = new URLSearchParams(query);
    const expires = params.get('expires');
    const signature = params.get('signature');
    if (expires === null || signature === null) return 'missing';
    if (!EXPIRES_PATTERN.test(expires) || !SIGNATURE_PATTERN.test(signature)) return 'malformed';
    // The text is compared, not the decoded bytes: the last of 43 base64url characters carries
    // two padding bits, so decoding would accept four spellings of every signature.
    const expected = Buffer.from(this.sign(method, urlPath, Number(expires)), 'latin1');
    const given = Buffer.from(signature, 'latin1');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'mismatch';
    if (Number(expires) < nowSeconds) return 'expired';
    return undefined;
  }
}
