import { shipConfiguredFiles } from './configured-file';
import type { ConfigurationOverlay, OverlayContext, OverlayContribution } from './overlay';

/** Where the keytab and krb5.conf land in the sandbox. */
export const KEYTAB_SANDBOX_PATH = 'security/krb5.keytab';
export const KRB5_CONF_SANDBOX_PATH = 'security/krb5.conf';

/**
 * Ships Kerberos credentials when they are configured: the keytab as a secret file and
 * `krb5.conf` as a plain one, with the TaskManager's options pointing at their sandbox copies.
 */
export class KerberosOverlay implements ConfigurationOverlay {
  readonly name = 'kerberos';

  contribute(context: OverlayContext): Promise<OverlayContribution> {
    return shipConfiguredFiles(context, this.name, [
      { key: 'security.kerberos.login.keytab', sandboxPath: KEYTAB_SANDBOX_PATH, secret: true },
      { key: 'security.kerberos.krb5-conf.path', sandboxPath: KRB5_CONF_SANDBOX_PATH, secret: false },
    ]);
  }
}
