import { CONF_FILE_NAME, ConfigError, renderTaskManagerConf, type ConfigValues } from '@mesoflow/config';
import { sha256Hex } from '@mesoflow/artifacts-client';
import type { OverlayContext, OverlayContribution } from './overlay';
import { OverlayError, OverlayErrorCode } from './overlay-error';

/** Where the TaskManager's configuration lands: `$MESOFLOW_CONF_DIR` is `$MESOS_SANDBOX/conf`. */
export const CONF_SANDBOX_PATH = `conf/${CONF_FILE_NAME}`;

/**
 * Ships the TaskManager's configuration: every inherited option, with the task's own values
 * (assigned ports, sandbox paths of shipped files) laid over. The file holds secrets the
 * TaskManager needs, so it is a secret artifact, fetched through a signed URL and never cached.
 * It runs last, after the overlays whose files it points to.
 */
export class TaskManagerConfOverlay {
  readonly name = 'taskmanager-conf';

  async contribute(context: OverlayContext, overrides: ConfigValues): Promise<OverlayContribution> {
    let text: string;
    try {
      text = renderTaskManagerConf(context.config, overrides);
    } catch (error) {
      if (error instanceof ConfigError) throw new OverlayError(OverlayErrorCode.INVALID_REQUEST, error.message, { cause: error });
      throw error;
    }
    const content = Buffer.from(text, 'utf8');
    const sha256 = sha256Hex(content);
    const path = `secrets/${sha256}/${CONF_FILE_NAME}`;
    const published = await context.publisher.publish({ path, content, secret: true });
    return {
      uris: [{ value: published.url, extract: false, cache: false, executable: false, output_file: CONF_SANDBOX_PATH }],
      artifacts: [{ overlay: this.name, path, sha256, secret: true, sandbox_path: CONF_SANDBOX_PATH }],
    };
  }
}
