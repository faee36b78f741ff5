import { SchedulerErrorCode } from './scheduler/errors';
import { parseSettings } from './settings';

describe('parseSettings', () => {
  it('reads the store folder and the worker count in both spellings', () => {
    expect(parseSettings(['--store-dir', '/var/lib/mf', '--workers=3'])).toEqual({ storeDir: '/var/lib/mf', desiredWorkers: 3 });
    expect(parseSettings(['--store-dir=/tmp/s'])).toEqual({ storeDir: '/tmp/s', desiredWorkers: 1 });
  });

  it('reports every problem at once', () => {
    expect(thrown(() => parseSettings(['--workers', 'many', '--verbose']))).toMatchObject(
      {
        code: SchedulerErrorCode.INVALID_CONFIGURATION,
        message: "Invalid arguments: unknown argument '--verbose'; --store-dir is required; --workers must be a whole number >= 0, got 'many'",
      },
    );
  });
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
