import type { UrlSigner } from './url-signer';

/** Builds the URLs that fetchers use, plain or signed. */
export class ArtifactUrls {
  /**
   * @param origin `<scheme>://<advertised host>`.
   * @param port the HTTP(S) port, asked when a URL is built (it is known once the port listens).
   * @param prefix the cluster prefix (first path segment).
   */
  constructor(
    private readonly origin: string,
    private readonly port: () => number,
    private readonly prefix: string,
    private readonly signer: UrlSigner,
    private readonly defaultTtlSeconds: number,
    private readonly maxTtlSeconds: number,
  ) {}

  /** The URL of an artifact (answers 403 for a secret one). */
  plain(path: string): string {
    return `${this.origin}:${this.port()}/${this.prefix}/${path}`;
  }

  /** A signed URL valid for `ttlSeconds` (0: the default), capped at the maximum. */
  signed(path: string, ttlSeconds: number, nowMs = Date.now()): { url: string; expiresAt: number } {
    const ttl = Math.min(ttlSeconds > 0 ? ttlSeconds : this.defaultTtlSeconds, this.maxTtlSeconds);
    const expiresAt = Math.floor(nowMs / 1000) + ttl;
    return { url: `${this.plain(path)}?${this.signer.query('GET', `/${this.prefix}/${path}`, expiresAt)}`, expiresAt };
  }
}
