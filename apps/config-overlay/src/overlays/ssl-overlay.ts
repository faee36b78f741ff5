import { shipConfiguredFiles } from './configured-file';
import { NO_CONTRIBUTION, type ConfigurationOverlay, type OverlayContext, type OverlayContribution } from './overlay';

/** Where the internal TLS keystore and truststore land in the sandbox. */
export const KEYSTORE_SANDBOX_PATH = 'security/internal.keystore.p12';
export const TRUSTSTORE_SANDBOX_PATH = 'security/internal.truststore.p12';

/**
 * Ships the internal TLS keystore (secret: it holds a private key) and truststore when internal
 * TLS is enabled. Their passwords are inherited options, so they reach the TaskManager inside
 * its configuration file, which is itself a secret artifact.
 */
export class SslOverlay implements ConfigurationOverlay {
  readonly name = 'ssl';

  async contribute(context: OverlayContext): Promise<OverlayContribution> {
    if (!context.config.get('security.ssl.internal.enabled')) return NO_CONTRIBUTION;
    return shipConfiguredFiles(context, this.name, [
      { key: 'security.ssl.internal.keystore', sandboxPath: KEYSTORE_SANDBOX_PATH, secret: true },
      { key: 'security.ssl.internal.truststore', sandboxPath: TRUSTSTORE_SANDBOX_PATH, secret: false },
    ]);
  }
}
