import type { ConfigurationOverlay, FetchUri, OverlayContext, OverlayContribution } from './overlay';

/**
 * The URI with `output_file` set to the last segment of its path, so a query string does not end
 * up in the file name (and hide an archive's suffix from the fetcher); as given when there is none.
 */
export function extraUri(value: string): FetchUri {
  const uri: FetchUri = { value, extract: true, cache: false, executable: false };
  let name = '';
  try {
    const path = new URL(value).pathname;
    name = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  } catch {
    // Not a URL (e.g. a path on the agent): the fetcher names it.
  }
  return name === '' || name === '.' || name === '..' ? uri : { ...uri, output_file: name };
}

/**
 * The artifacts listed in `mesos.resourcemanager.tasks.uris`, fetched as given: unpacked when
 * they are archives, and not cached, since nothing tells the fetcher cache when they change.
 */
export class ExtraUrisOverlay implements ConfigurationOverlay {
  readonly name = 'extra-uris';

  contribute(context: OverlayContext): Promise<OverlayContribution> {
    const uris = context.config.get('mesos.resourcemanager.tasks.uris') ?? [];
    return Promise.resolve({ uris: uris.map(extraUri), artifacts: [] });
  }
}
