// TLS of the gateway's client-facing ports (REST and JobService) from Flink's
// `security.ssl.rest.*`: one PKCS#12 keystore serves both.
import { ServerCredentials } from '@grpc/grpc-js';
import { ConfigError, ConfigErrorCode, type ConfigKey, type ConfigProblem, type MesoflowConfig } from '@mesoflow/config';
import { readPkcs12Keystore, ServiceError, ServiceErrorCode, type TlsMaterial } from '@mesoflow/service';
import { readFileSync } from 'node:fs';

/** The certificate and key of both ports, and the gRPC credentials made from them. */
export interface GatewayTls {
  readonly material: TlsMaterial;
  readonly grpcCredentials: ServerCredentials;
}

const KEYSTORE = 'security.ssl.rest.keystore';
const EXPECTED = 'a PKCS#12 file with the certificate and private key of the REST and gRPC ports';

function invalid(config: MesoflowConfig, key: ConfigKey, problem: Omit<ConfigProblem, 'key' | 'source'>): ConfigError {
  const source = config.source(key);
  return new ConfigError(ConfigErrorCode.INVALID_CONFIGURATION, [{ key, ...problem, ...(source === undefined ? {} : { source }) }]);
}

/**
 * The gateway's TLS when `security.ssl.rest.enabled` is true, else undefined. Throws a
 * {@link ConfigError} naming the option at fault when the keystore is missing, unreadable, not
 * PKCS#12 or does not open with its password; the passwords are never part of it.
 */
export function gatewayTls(config: MesoflowConfig): GatewayTls | undefined {
  if (!config.get('security.ssl.rest.enabled')) return undefined;
  const path = config.get(KEYSTORE);
  // loadConfig({ service: 'dispatcher-gateway' }) already refuses this; a config made for
  // another service (or none) reaches here without it.
  if (path === undefined || path === '') {
    throw invalid(config, KEYSTORE, { kind: 'missing', expected: EXPECTED, message: `${KEYSTORE}: required when security.ssl.rest.enabled is true (expected ${EXPECTED})` });
  }
  const password = config.get('security.ssl.rest.keystore-password') ?? '';
  const keyPassword = config.get('security.ssl.rest.key-password');
  if (keyPassword !== undefined && keyPassword !== password) {
    // openssl and keytool write PKCS#12 with one password for the file and its key, and the
    // reader decrypts both with it; a different key password cannot be honoured.
    throw invalid(config, 'security.ssl.rest.key-password', {
      kind: 'conflict',
      message: 'security.ssl.rest.key-password: differs from security.ssl.rest.keystore-password, but a PKCS#12 keystore protects its key with the keystore password (leave it unset)',
    });
  }
  let der: Buffer;
  try {
    der = readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw invalid(config, KEYSTORE, { kind: 'invalid-value', value: path, expected: EXPECTED, message: `${KEYSTORE}: '${path}' cannot be read (${reason}); expected ${EXPECTED}` });
  }
  let material: TlsMaterial;
  try {
    material = readPkcs12Keystore(der, password);
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    if (error.code === ServiceErrorCode.WRONG_KEYSTORE_PASSWORD) {
      throw invalid(config, 'security.ssl.rest.keystore-password', {
        kind: 'invalid-value',
        expected: `the password of '${path}'`,
        message: `security.ssl.rest.keystore-password: the keystore '${path}' ${error.message}; expected the password it was written with`,
      });
    }
    throw invalid(config, KEYSTORE, { kind: 'invalid-value', value: path, expected: EXPECTED, message: `${KEYSTORE}: '${path}' ${error.message}; expected ${EXPECTED}` });
  }
  return {
    material,
    grpcCredentials: ServerCredentials.createSsl(null, [{ private_key: Buffer.from(material.key), cert_chain: Buffer.from(material.cert) }]),
  };
}
