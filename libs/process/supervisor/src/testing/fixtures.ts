// Real child processes for the supervisor's tests: small Node scripts written to a temporary
// directory, each appending "<pid> <start time>" to a file so that a test can see every start.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

const RECORD_START = `require('node:fs').appendFileSync(process.argv[2], process.pid + ' ' + Date.now() + '\\n');`;
const STAY_UP = 'setInterval(() => undefined, 1 << 30);';

const SCRIPTS = {
  /** `stay-up.js <starts>`: runs until signalled. */
  'stay-up.js': `${RECORD_START}\n${STAY_UP}\n`,
  /** `exit-after.js <starts> <ms> <code>`. */
  'exit-after.js': `${RECORD_START}\nsetTimeout(() => process.exit(Number(process.argv[4])), Number(process.argv[3]));\n`,
  /** `ignore-term.js <starts>`: records its start only once SIGTERM is ignored. */
  'ignore-term.js': `process.on('SIGTERM', () => undefined);\n${RECORD_START}\n${STAY_UP}\n`,
  /** `http-server.js <starts> <port> <delayMs>`: answers 200 on every path after the delay. */
  'http-server.js': `${RECORD_START}
setTimeout(() => {
  require('node:http').createServer((request, response) => response.end('ok')).listen(Number(process.argv[3]), '127.0.0.1');
}, Number(process.argv[4]));
`,
  /** `probe.js <starts> <url> <result>`: GETs the URL once and writes the status (or the error code). */
  'probe.js': `${RECORD_START}
const result = (text) => require('node:fs').writeFileSync(process.argv[4], text);
require('node:http').get(process.argv[3], (response) => { response.resume(); result(String(response.statusCode)); }).on('error', (error) => result(error.code));
${STAY_UP}
`,
} as const;

/** A fixture script's file name. */
export type FixtureScript = keyof typeof SCRIPTS;

/** One start of a child, as it recorded it. */
export interface Start {
  readonly pid: number;
  readonly at: number;
}

/** A temporary directory with the fixture scripts; {@link remove} deletes it. */
export class Fixtures {
  readonly dir = mkdtempSync(join(tmpdir(), 'mesoflow-supervisor-'));

  constructor() {
    for (const [name, source] of Object.entries(SCRIPTS)) writeFileSync(join(this.dir, name), source);
  }

  /** A path in the directory, e.g. for a child's start file. */
  path(name: string): string {
    return join(this.dir, name);
  }

  /** `args` for running `script` with `node`: the script, the start file `<name>.starts`, then `extra`. */
  args(script: FixtureScript, name: string, ...extra: Array<string | number>): string[] {
    return [this.path(script), this.startsFile(name), ...extra.map(String)];
  }

  /** The start file a child named `name` records its starts in (see {@link args}). */
  startsFile(name: string): string {
    return this.path(`${name}.starts`);
  }

  /** Every start the child named `name` recorded, oldest first; none when it never started. */
  starts(name: string): Start[] {
    let text: string;
    try {
      text = readFileSync(this.startsFile(name), 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => {
        const [pid, at] = line.split(' ').map(Number);
        return { pid, at };
      });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * True while `pid` names a live process. A zombie counts as dead: once the supervisor is gone,
 * its SIGKILLed children are reaped by whoever adopted them, which may take a while or never happen.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** A pino logger whose JSON lines are kept, for checking what an operator would see. */
export function recordingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines: () => lines };
}
