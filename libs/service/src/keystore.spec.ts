// PKCS#12 keystores written by the machine's openssl, read back as PEM.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceError, ServiceErrorCode } from './errors';
import { readPkcs12Keystore } from './keystore';

const PASSWORD = 'store-Secret-1';

describe('readPkcs12Keystore', () => {
  let dir: string;
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });

  /** A server certificate signed by the CA, for a key made with `newkey` (e.g. `rsa:2048`). */
  function serverKeystore(name: string, newkey: string, extra: string[] = []): Buffer {
    openssl('req', '-newkey', newkey, ...(newkey.startsWith('ec') ? ['-pkeyopt', 'ec_paramgen_curve:P-256'] : []), '-nodes', '-subj', `/CN=${name}`, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`));
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-out', file(`${name}.pem`));
    openssl('pkcs12', '-export', '-in', file(`${name}.pem`), '-inkey', file(`${name}.key`), ...extra, '-passout', `pass:${PASSWORD}`, '-out', file(`${name}.p12`));
    return readFileSync(file(`${name}.p12`));
  }

  function failure(der: Buffer, password = PASSWORD): ServiceError {
    try {
      readPkcs12Keystore(der, password);
    } catch (error) {
      if (error instanceof ServiceError) return error;
      throw error;
    }
    throw new Error('expected readPkcs12Keystore to throw');
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keystore-'));
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-ca', '-keyout', file('ca.key'), '-out', file('ca.pem'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("returns the key and a chain that starts with the key's certificate, then its CA", () => {
    const { key, cert } = readPkcs12Keystore(serverKeystore('rsa-server', 'rsa:2048', ['-certfile', file('ca.pem')]), PASSWORD);
    const chain = String(cert).match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    expect(chain.map((pem) => new X509Certificate(pem).subject)).toEqual(['CN=rsa-server', 'CN=test-ca']);
    expect(new X509Certificate(chain[0] ?? '').checkPrivateKey(createPrivateKey(key))).toBe(true);
  });

  it('reads keys forge does not decode itself, such as EC keys', () => {
    const { key, cert } = readPkcs12Keystore(serverKeystore('ec-server', 'ec'), PASSWORD);
    expect(String(key)).toContain('-----BEGIN PRIVATE KEY-----');
    expect(new X509Certificate(String(cert)).subject).toBe('CN=ec-server');
  });

  it('tells a wrong password from a file that is not a keystore, without repeating the password', () => {
    const der = serverKeystore('wrong-password', 'rsa:2048');
    const wrong = failure(der, 'guess-Me-9');
    expect(wrong.code).toBe(ServiceErrorCode.WRONG_KEYSTORE_PASSWORD);
    expect(wrong.message).toBe('does not open with the password given (its integrity check failed)');

    expect(failure(readFileSync(file('ca.pem'))).code).toBe(ServiceErrorCode.INVALID_KEYSTORE);
  });

  it('refuses a keystore without a private key', () => {
    openssl('pkcs12', '-export', '-nokeys', '-in', file('ca.pem'), '-passout', `pass:${PASSWORD}`, '-out', file('truststore.p12'));
    const error = failure(readFileSync(file('truststore.p12')));
    expect(error).toMatchObject({ code: ServiceErrorCode.INVALID_KEYSTORE, message: 'holds 0 private keys; expected exactly one, with its certificate' });
  });

  it('refuses a keystore without the certificate of its key', () => {
    openssl('genpkey', '-algorithm', 'RSA', '-out', file('lonely.key'));
    openssl('pkcs12', '-export', '-nocerts', '-inkey', file('lonely.key'), '-passout', `pass:${PASSWORD}`, '-out', file('lonely.p12'));
    expect(failure(readFileSync(file('lonely.p12')))).toMatchObject({ code: ServiceErrorCode.INVALID_KEYSTORE, message: expect.stringContaining('holds no certificate for its private key') });
  });
});
