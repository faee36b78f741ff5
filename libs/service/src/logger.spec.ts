import { Writable } from 'node:stream';
import { createServiceLogger, NestPinoLogger } from './logger';

function capture(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, stream };
}

describe('NestPinoLogger', () => {
  it('writes Nest messages as JSON with the context and the stack as fields', () => {
    const { lines, stream } = capture();
    const logger = new NestPinoLogger(createServiceLogger({ service: 'demo', level: 'debug', destination: stream }));
    logger.log('Listening', 'Bootstrap');
    logger.error('It broke', 'Error: It broke\n    at somewhere (file.ts:1:1)', 'Worker');
    logger.log('Mapped {/healthz, GET} route', 'RouterExplorer');
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, service: 'demo', context: 'Bootstrap', msg: 'Listening' }),
      expect.objectContaining({ level: 50, context: 'Worker', msg: 'It broke', stack: expect.stringContaining('at somewhere') }),
      // Nest's own start-up lines are debug, not info.
      expect.objectContaining({ level: 20, context: 'RouterExplorer' }),
    ]);
  });

  it('skips lines below the level', () => {
    const { lines, stream } = capture();
    const logger = new NestPinoLogger(createServiceLogger({ service: 'demo', level: 'warn', destination: stream }));
    logger.log('hidden', 'X');
    logger.debug('hidden', 'X');
    logger.warn('shown', 'X');
    expect(lines.map((line) => line['msg'])).toEqual(['shown']);
  });
});
