// How the CLI trusts the dispatcher gateway over TLS, from Flink's `security.ssl.rest.*` as its
// REST client reads them. grpc-js wants PEM, so the PKCS#12 truststore is converted here.
import type { MesoflowConfig } from '@mesoflow/config';
import forge from 'node-forge';
import { readFileSync } from 'node:fs';
import { CliError } from '../cli-error';

/** The CLI talks TLS to the gateway; the certificates it trusts. */
export interface GatewayTls {
  /** PEM certificates of `security.ssl.rest.truststore`; undefined trusts the system's CAs. */
  readonly trustedCertificates: Buffer | undefined;
}

const TRUSTSTORE = 'security.ssl.rest.truststore';

/** The CLI's TLS to the gateway when `security.ssl.rest.enabled` is true, else undefined. */
export function gatewayTlsOf(config: MesoflowConfig): GatewayTls | undefined {
  if (!config.get('security.ssl.rest.enabled')) return undefined;
  const path = config.get(TRUSTSTORE);
  if (path === undefined || path === '') return { trustedCertificates: undefined };
  return { trustedCertificates: readTruststore(path, config.get('security.ssl.rest.truststore-password') ?? '') };
}

/** The certificates of a PKCS#12 truststore, as PEM. */
function readTruststore(path: string, password: string): Buffer {
  const expected = "expected a PKCS#12 file with the certificate of the CA that signed the gateway's certificate";
  let der: Buffer;
  try {
    der = readFileSync(path);
  } catch (error) {
    throw new CliError(`${TRUSTSTORE}: '${path}' cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); ${expected}`);
  }
  let pfx: forge.pkcs12.Pkcs12Pfx;
  try {
    pfx = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary'))), password);
  } catch (error) {
    // forge's messages name structures and algorithms, never the password.
    const reason = (error as Error).message;
    if (/MAC could not be verified|password/i.test(reason)) {
      throw new CliError(`security.ssl.rest.truststore-password: does not open '${path}' (its integrity check failed); expected the password the truststore was written with`);
    }
    throw new CliError(`${TRUSTSTORE}: '${path}' cannot be read as PKCS#12 (${reason}); ${expected}`);
  }
  const certificates = pfx.safeContents
    .flatMap((contents) => contents.safeBags)
    .filter((bag) => bag.type === forge.pki.oids.certBag)
    // forge decodes only RSA certificates; it leaves the others as ASN.1.
    .map((bag) => (bag.cert ? forge.pki.certificateToPem(bag.cert) : forge.pem.encode({ type: 'CERTIFICATE', body: forge.asn1.toDer(bag.asn1).getBytes() })));
  if (certificates.length === 0) throw new CliError(`${TRUSTSTORE}: '${path}' holds no certificates; ${expected}`);
  return Buffer.from(certificates.join(''));
}
