import { ConfigError } from '@mesoflow/config';
import { parseSettings } from './settings';

describe('parseSettings', () => {
  it('reads the flags in both spellings, with defaults', () => {
    expect(parseSettings(['--store-dir', '/var/lib/mf', '--config-overlay=overlay.local:6125', '--http-port=8090'])).toEqual({
      storeDir: '/var/lib/mf',
      httpPort: 8090,
      bindHost: '0.0.0.0',
      configOverlay: 'overlay.local:6125',
    });
    expect(parseSettings([])).toEqual({ storeDir: undefined, httpPort: 0, bindHost: '0.0.0.0', configOverlay: undefined });
  });

  it('reports every problem at once, naming the flag, the value and what was expected', () => {
    let error: unknown;
    try {
      parseSettings(['--workers', '3', '--config-overlay', 'overlay', '--http-port=http']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.message)).toEqual([
      '--workers: unknown argument (expected -Dkey=value or one of --store-dir, --http-port, --bind-host, --config-overlay)',
      '3: unknown argument (expected -Dkey=value or one of --store-dir, --http-port, --bind-host, --config-overlay)',
      "--http-port: 'http' is not valid (expected a port in 0..65535)",
      "--config-overlay: 'overlay' is not valid (expected host:port of the configuration overlay's gRPC port)",
    ]);
  });
});
