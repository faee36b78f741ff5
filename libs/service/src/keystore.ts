// PKCS#12 to PEM: Node's HTTPS takes a PKCS#12 file directly, but grpc-js takes only PEM, so
// both ports get the PEM read here (node-forge, pure JS, not the openssl binary).
import forge from 'node-forge';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { ServiceError, ServiceErrorCode } from './errors';
import type { TlsMaterial } from './http-server';

/** What forge says when the password does not match, before it decrypts anything else. */
const WRONG_PASSWORD = /MAC could not be verified|wrong password|Invalid password/i;

function open(der: Buffer, password: string): forge.pkcs12.Pkcs12Pfx {
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  } catch (error) {
    throw new ServiceError(ServiceErrorCode.INVALID_KEYSTORE, 'is not a PKCS#12 file (not DER-encoded)', { cause: error });
  }
  try {
    return forge.pkcs12.pkcs12FromAsn1(asn1, password);
  } catch (error) {
    // forge's messages name structures and algorithms, never the password.
    const reason = (error as Error).message;
    if (WRONG_PASSWORD.test(reason)) {
      throw new ServiceError(ServiceErrorCode.WRONG_KEYSTORE_PASSWORD, 'does not open with the password given (its integrity check failed)', { cause: error });
    }
    throw new ServiceError(ServiceErrorCode.INVALID_KEYSTORE, `is not a PKCS#12 file this process can read (${reason})`, { cause: error });
  }
}

/** A bag's private key as PKCS#8 PEM; forge decodes only RSA keys and leaves others as ASN.1. */
function keyPem(bag: forge.pkcs12.Bag): string {
  const info = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
  return forge.pki.privateKeyInfoToPem(info);
}

/** A bag's certificate as PEM; forge decodes only RSA certificates and leaves others as ASN.1. */
function certificatePem(bag: forge.pkcs12.Bag): string {
  return bag.cert ? forge.pki.certificateToPem(bag.cert) : forge.pem.encode({ type: 'CERTIFICATE', body: forge.asn1.toDer(bag.asn1).getBytes() });
}

function bagsOf(pfx: forge.pkcs12.Pkcs12Pfx, type: string): forge.pkcs12.Bag[] {
  return pfx.safeContents.flatMap((contents) => contents.safeBags).filter((bag) => bag.type === type);
}

/**
 * The private key and certificate chain of a PKCS#12 keystore (as `openssl pkcs12 -export` and
 * `keytool -storetype PKCS12` write them), as PEM for HTTPS and grpc-js. The chain starts with
 * the key's certificate, followed by the keystore's other certificates (its CAs). One password
 * opens the keystore and its key: PKCS#12 files protect both with the same one.
 *
 * @param der the keystore's bytes.
 * @param password the keystore's password ('' for none).
 * @throws ServiceError `WRONG_KEYSTORE_PASSWORD` or `INVALID_KEYSTORE`, whose message completes
 *   "the keystore …" and never contains the password.
 */
export function readPkcs12Keystore(der: Buffer, password: string): TlsMaterial {
  const pfx = open(der, password);
  const keys = [...bagsOf(pfx, forge.pki.oids.pkcs8ShroudedKeyBag), ...bagsOf(pfx, forge.pki.oids.keyBag)];
  const [keyBag] = keys;
  if (keyBag === undefined || keys.length > 1) {
    throw new ServiceError(ServiceErrorCode.INVALID_KEYSTORE, `holds ${keys.length} private keys; expected exactly one, with its certificate`);
  }
  const key = keyPem(keyBag);
  const privateKey = createPrivateKey(key);
  const certificates = bagsOf(pfx, forge.pki.oids.certBag).map(certificatePem);
  const leaf = certificates.find((pem) => new X509Certificate(pem).checkPrivateKey(privateKey));
  if (leaf === undefined) {
    throw new ServiceError(ServiceErrorCode.INVALID_KEYSTORE, `holds no certificate for its private key (${certificates.length} certificates of other keys)`);
  }
  const material = { key, cert: [leaf, ...certificates.filter((pem) => pem !== leaf)].join('') };
  try {
    // What the HTTPS server and grpc-js will do with it, so that a defect shows here, once.
    createSecureContext(material);
  } catch (error) {
    throw new ServiceError(ServiceErrorCode.INVALID_KEYSTORE, `holds a key and certificate TLS cannot use (${(error as Error).message})`, { cause: error });
  }
  return material;
}
