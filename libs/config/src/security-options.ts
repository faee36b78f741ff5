import { option } from './option';
import { booleanType, stringType } from './option-types';

/** SSL/TLS between the cluster's own processes (TaskManagers included), the REST endpoint, Kerberos and API auth. */
export const SECURITY_OPTIONS = {
  'security.ssl.internal.enabled': option({
    type: booleanType(),
    default: false,
    group: 'Security',
    readers: ['scheduler', 'taskmanager', 'artifact-server', 'dispatcher-gateway'],
    description:
      'Use TLS for traffic between the cluster\'s processes (RPC, record exchange, artifact server); requires ' +
      '`security.ssl.internal.keystore` and `security.ssl.internal.truststore`.',
  }),
  'security.ssl.internal.keystore': option({
    type: stringType({ expected: 'a file path' }),
    group: 'Security',
    readers: ['scheduler', 'taskmanager', 'artifact-server', 'dispatcher-gateway'],
    description: 'Path of the PKCS#12 keystore holding this process\'s certificate and key for internal TLS.',
  }),
  'security.ssl.internal.keystore-password': option({
    type: stringType(),
    group: 'Security',
    readers: ['scheduler', 'taskmanager', 'artifact-server', 'dispatcher-gateway'],
    sensitive: true,
    description: 'The password of `security.ssl.internal.keystore`.',
  }),
  'security.ssl.internal.key-password': option({
    type: stringType(),
    group: 'Security',
    readers: ['scheduler', 'taskmanager', 'artifact-server', 'dispatcher-gateway'],
    sensitive: true,
    description: 'The password of the private key inside `security.ssl.internal.keystore`, when it differs from the keystore\'s.',
  }),
  'security.ssl.internal.truststore': option({
    type: stringType({ expected: 'a file path' }),
    group: 'Security',
    readers: ['scheduler', 'taskmanager', 'artifact-server', 'dispatcher-gateway'],
    description: 'Path of the PKCS#12 truststore with the certificates internal peers must present.',
  }),
  'security.ssl.internal.truststore-password': option({
    type: stringType(),
    group: 'Security',
    readers: ['scheduler', 'taskmanager', 'artifact-server', 'dispatcher-gateway'],
    sensitive: true,
    description: 'The password of `security.ssl.internal.truststore`.',
  }),
  'security.ssl.rest.enabled': option({
    type: booleanType(),
    default: false,
    group: 'Security',
    readers: ['scheduler', 'dispatcher-gateway', 'cli'],
    masterOnly: true,
    description:
      'Serve the REST endpoint and web UI over HTTPS and the dispatcher gateway\'s gRPC port over TLS, and have the CLI ' +
      'connect to the gateway with TLS; requires `security.ssl.rest.keystore`.',
  }),
  'security.ssl.rest.keystore': option({
    type: stringType({ expected: 'a file path' }),
    group: 'Security',
    readers: ['dispatcher-gateway'],
    masterOnly: true,
    description: 'Path of the PKCS#12 keystore with the certificate and key of the REST endpoint, which also secure the dispatcher gateway\'s gRPC port.',
  }),
  'security.ssl.rest.keystore-password': option({
    type: stringType(),
    group: 'Security',
    readers: ['dispatcher-gateway'],
    masterOnly: true,
    sensitive: true,
    description: 'The password of `security.ssl.rest.keystore`.',
  }),
  'security.ssl.rest.key-password': option({
    type: stringType(),
    group: 'Security',
    readers: ['dispatcher-gateway'],
    masterOnly: true,
    sensitive: true,
    description:
      'The password of the private key inside `security.ssl.rest.keystore`. PKCS#12 protects the key with the keystore\'s ' +
      'password, so leave it unset or give the same one; a different one is refused.',
  }),
  'security.ssl.rest.truststore': option({
    type: stringType({ expected: 'a file path' }),
    group: 'Security',
    readers: ['cli'],
    masterOnly: true,
    description:
      'Path of the PKCS#12 truststore the CLI uses to verify the dispatcher gateway\'s certificate (gRPC and REST); unset means the system CAs.',
  }),
  'security.ssl.rest.truststore-password': option({
    type: stringType(),
    group: 'Security',
    readers: ['cli'],
    masterOnly: true,
    sensitive: true,
    description: 'The password of `security.ssl.rest.truststore`.',
  }),
  'security.kerberos.login.keytab': option({
    type: stringType({ expected: 'a file path' }),
    group: 'Security',
    readers: ['scheduler', 'taskmanager'],
    description: 'Path of a Kerberos keytab to log in with; goes with `security.kerberos.login.principal`.',
  }),
  'security.kerberos.login.principal': option({
    type: stringType({ expected: 'a Kerberos principal, e.g. mesoflow/host@EXAMPLE.ORG' }),
    group: 'Security',
    readers: ['scheduler', 'taskmanager'],
    description: 'The Kerberos principal the keytab belongs to.',
  }),
  'security.kerberos.krb5-conf.path': option({
    type: stringType({ expected: 'a file path' }),
    group: 'Security',
    readers: ['scheduler', 'taskmanager'],
    description: 'Path of a `krb5.conf` to ship to TaskManagers; unset means the system\'s.',
  }),
  'security.api.auth-token': option({
    type: stringType(),
    group: 'Security',
    readers: ['dispatcher-gateway', 'cli'],
    masterOnly: true,
    sensitive: true,
    description:
      'A bearer token the dispatcher gateway requires on every API call and the CLI sends; unset means no authentication.',
  }),
} as const;
