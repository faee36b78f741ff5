import { UrlSigner } from './url-signer';

describe('UrlSigner', () => {
  const signer = new UrlSigner(Buffer.from('a-signing-key-for-this-unit-test-only'));
  const now = 1_700_000_000;

  it('accepts its own signature until the expiry', () => {
    const query = signer.query('GET', '/c/secret.keytab', now + 60);
    expect(signer.verify('GET', '/c/secret.keytab', query, now)).toBeUndefined();
    expect(signer.verify('GET', '/c/secret.keytab', query, now + 60)).toBeUndefined();
    expect(signer.verify('GET', '/c/secret.keytab', query, now + 61)).toBe('expired');
  });

  it('binds the method, the path and the expiry', () => {
    const signature = signer.sign('GET', '/c/a', now + 60);
    expect(signer.verify('PUT', '/c/a', `expires=${now + 60}&signature=${signature}`, now)).toBe('mismatch');
    expect(signer.verify('GET', '/c/b', `expires=${now + 60}&signature=${signature}`, now)).toBe('mismatch');
    expect(signer.verify('GET', '/c/a', `expires=${now + 61}&signature=${signature}`, now)).toBe('mismatch');
  });

  it('tells missing from malformed parameters', () => {
    expect(signer.verify('GET', '/c/a', '', now)).toBe('missing');
    expect(signer.verify('GET', '/c/a', `expires=${now}`, now)).toBe('missing');
    expect(signer.verify('GET', '/c/a', 'expires=soon&signature=x', now)).toBe('malformed');
    expect(signer.verify('GET', '/c/a', `expires=${now}&signature=${'A'.repeat(44)}`, now)).toBe('malformed');
  });

  it('accepts only the canonical spelling of a signature', () => {
    const signature = signer.sign('GET', '/c/a', now + 60);
    const last = 'AEIMQUYcgkosw048'.indexOf(signature.at(-1)!);
    // Same decoded bytes, different padding bits in the last character.
    const variant = signature.slice(0, -1) + 'AEIMQUYcgkosw048'[last].replace(/./, (c) => String.fromCharCode(c.charCodeAt(0) + 1));
    expect(Buffer.from(variant, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
    expect(signer.verify('GET', '/c/a', `expires=${now + 60}&signature=${variant}`, now)).toBe('mismatch');
  });

  it('refuses a signature made with another key', () => {
    const other = new UrlSigner(Buffer.from('another-signing-key-for-this-test!!'));
    expect(signer.verify('GET', '/c/a', other.query('GET', '/c/a', now + 60), now)).toBe('mismatch');
  });
});
