// A CA and a server certificate for 127.0.0.1 and localhost, made with the machine's openssl,
// with the server's PKCS#12 keystore (certificate, key and CA) as security.ssl.rest.keystore takes
// it, and a PKCS#12 truststore with the CA as security.ssl.rest.truststore takes it.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  /** PEM of the CA that signed the server certificate. */
  readonly caPem: string;
  /** PKCS#12 keystore with the server's key, certificate and the CA. */
  readonly keystore: string;
  readonly keystorePassword: string;
  /** The server's certificate and key as PEM files. */
  readonly serverPem: string;
  readonly serverKey: string;
  /** PKCS#12 truststore holding only the CA. */
  readonly truststore: string;
  readonly truststorePassword: string;
}

/** Runs the machine's openssl, quietly; throws when it fails. */
export function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/** Writes the CA, the server certificate and the keystore into `dir`. */
export function createTestPki(dir: string, keystorePassword = 'keystore-secret', truststorePassword = 'truststore-secret'): TestPki {
  const file = (name: string): string => join(dir, name);
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Mesoflow test CA', '-keyout', file('ca.key'), '-out', file('ca.pem'));
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file('server.ext'), '-out', file('server.pem'));
  openssl('pkcs12', '-export', '-in', file('server.pem'), '-inkey', file('server.key'), '-certfile', file('ca.pem'), '-passout', `pass:${keystorePassword}`, '-out', file('keystore.p12'));
  openssl('pkcs12', '-export', '-nokeys', '-in', file('ca.pem'), '-passout', `pass:${truststorePassword}`, '-out', file('truststore.p12'));
  return {
    caPem: file('ca.pem'),
    keystore: file('keystore.p12'),
    keystorePassword,
    serverPem: file('server.pem'),
    serverKey: file('server.key'),
    truststore: file('truststore.p12'),
    truststorePassword,
  };
}
