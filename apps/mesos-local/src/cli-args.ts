import {
  DEFAULT_AGENT_RESOURCES,
  parseAttributeText,
  parseResourceText,
  parseZooKeeperUrl,
  type AgentSpec,
  type LocalMesosOptions,
} from '@mesoflow/mesos-local';

/** What the command line asks for. */
export type CliCommand = { kind: 'help' } | { kind: 'run'; options: Omit<LocalMesosOptions, 'logger'>; logLevel: string };

/** A bad command line; the message is the one line printed before exiting with status 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** `--help` text. */
export const USAGE = `Usage: bin/mesos-local [flags]

Runs a local Mesos master and agents speaking the Mesos v1 scheduler HTTP API.

  --port <n>                  Port to listen on; 0 picks a free one. Default 5050.
  --host <address>            Address to listen on. Default 127.0.0.1.
  --hostname <name>           Hostname advertised to schedulers. Default: the host.
  --agents <n>                Number of agents. Default 1 (or the number of --agent flags).
  --resources <text>          Every agent's resources in Mesos' text form.
                              Default "${DEFAULT_AGENT_RESOURCES}".
  --attributes <text>         Every agent's attributes, e.g. "rack:r1;zone:z2". Default none.
  --agent <resources|attrs>   Overrides for one agent; the i-th --agent is agent i. Either side
                              may be empty: "cpus:2;mem:1024|rack:r2", "|rack:r3", "cpus:1".
                              Repeat for more agents.
  --allocation-interval <d>   Batch allocation period. Default 1s.
  --offer-timeout <d>         Rescind offers unused for this long. Default: never.
  --heartbeat-interval <d>    Heartbeat period reported in SUBSCRIBED. Default 15s.
  --status-update-retry <d>   First status update retry (doubles up to 10 min). Default 10s.
  --credentials <file>        Require HTTP basic auth; file in Mesos' credentials format
                              ({"credentials":[{"principal":"p","secret":"s"}]}).
  --zk <url>                  Contend for leadership in ZooKeeper, e.g. zk://127.0.0.1:2181/mesos;
                              a standby redirects schedulers to the leader.
  --work-dir <dir>            Agents' work dirs (sandboxes). Default: a new temporary folder.
  --log-level <level>         pino level: trace, debug, info, warn, error, fatal. Default info.
  --help                      Print this and exit.

Durations: a number with a unit, ms, s, secs, m, mins (e.g. 500ms, 2s); a bare number is seconds.
Test-only HTTP controls: POST /__test/agents/<id>/{remove,disconnect,reconnect},
POST /__test/master/restart, POST /__test/frameworks/<id>/drop-stream.
`;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

const FLAGS = new Set([
  'port',
  'host',
  'hostname',
  'agents',
  'resources',
  'attributes',
  'agent',
  'allocation-interval',
  'offer-timeout',
  'heartbeat-interval',
  'status-update-retry',
  'credentials',
  'zk',
  'work-dir',
  'log-level',
]);

/**
 * Parses the command line (`--flag value` or `--flag=value`).
 * @throws CliUsageError naming the flag, the value and what was expected.
 */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (!arg.startsWith('--')) throw new CliUsageError(`unexpected argument '${arg}'; flags start with '--' (see --help)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!FLAGS.has(name)) throw new CliUsageError(`unknown flag '--${name}' (see --help)`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new CliUsageError(`flag '--${name}' needs a value`);
      value = next;
      i++;
    }
    if (name !== 'agent' && values.has(name)) throw new CliUsageError(`flag '--${name}' is given twice`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  const one = (name: string) => values.get(name)?.[0];

  const agentFlags = values.get('agent') ?? [];
  const agentCount = one('agents') === undefined ? Math.max(1, agentFlags.length) : integer('agents', one('agents') as string, 1, 10_000);
  if (agentFlags.length > agentCount) {
    throw new CliUsageError(`invalid value '${agentCount}' for --agents: expected at least ${agentFlags.length}, the number of --agent flags`);
  }
  const agents: AgentSpec[] = Array.from({ length: agentCount }, (_, i) => agentSpec(agentFlags[i]));

  const options: Omit<LocalMesosOptions, 'logger'> = {
    port: one('port') === undefined ? 5050 : integer('port', one('port') as string, 0, 65535),
    agents,
  };
  const host = one('host');
  if (host !== undefined) options.host = nonEmpty('host', host);
  const hostname = one('hostname');
  if (hostname !== undefined) options.hostname = nonEmpty('hostname', hostname);
  const resources = one('resources');
  if (resources !== undefined) options.resources = checked('resources', resources, parseResourceText, 'Mesos resource text such as "cpus:4;mem:8192;ports:[31000-32000]"');
  const attributes = one('attributes');
  if (attributes !== undefined) options.attributes = checked('attributes', attributes, parseAttributeText, 'Mesos attribute text such as "rack:r1;zone:z2"');
  const allocation = one('allocation-interval');
  if (allocation !== undefined) options.allocationIntervalMs = duration('allocation-interval', allocation);
  const offerTimeout = one('offer-timeout');
  if (offerTimeout !== undefined) options.offerTimeoutMs = duration('offer-timeout', offerTimeout);
  const heartbeat = one('heartbeat-interval');
  if (heartbeat !== undefined) options.heartbeatIntervalSeconds = duration('heartbeat-interval', heartbeat) / 1000;
  const retry = one('status-update-retry');
  if (retry !== undefined) options.statusUpdateRetryMs = duration('status-update-retry', retry);
  const credentials = one('credentials');
  if (credentials !== undefined) options.credentials = nonEmpty('credentials', credentials);
  const zk = one('zk');
  if (zk !== undefined) options.zk = checked('zk', zk, parseZooKeeperUrl, 'a URL such as zk://host:2181/mesos');
  const workDir = one('work-dir');
  if (workDir !== undefined) options.workDir = nonEmpty('work-dir', workDir);
  const logLevel = one('log-level') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw bad('log-level', logLevel, `one of ${LOG_LEVELS.join(', ')}`);
  return { kind: 'run', options, logLevel };
}

function agentSpec(flag: string | undefined): AgentSpec {
  if (flag === undefined) return {};
  const bar = flag.indexOf('|');
  const resources = (bar < 0 ? flag : flag.slice(0, bar)).trim();
  const attributes = bar < 0 ? '' : flag.slice(bar + 1).trim();
  const spec: AgentSpec = {};
  if (resources !== '') spec.resources = checked('agent', resources, parseResourceText, '"<resources>|<attributes>" such as "cpus:2;mem:1024|rack:r2"', flag);
  if (attributes !== '') spec.attributes = checked('agent', attributes, parseAttributeText, '"<resources>|<attributes>" such as "cpus:2;mem:1024|rack:r2"', flag);
  return spec;
}

function bad(flag: string, value: string, expected: string): CliUsageError {
  return new CliUsageError(`invalid value '${value}' for --${flag}: expected ${expected}`);
}

function integer(flag: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < min || parsed > max) throw bad(flag, value, `an integer from ${min} to ${max}`);
  return parsed;
}

function nonEmpty(flag: string, value: string): string {
  if (value.trim() === '') throw bad(flag, value, 'a non-empty value');
  return value;
}

/** Milliseconds of a duration such as `500ms`, `2s`, `1secs`, `3m` or a bare number of seconds. */
function duration(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|secs?|m|mins?)?$/.exec(value.trim());
  const ms = match ? Number(match[1]) * unitMs(match[2]) : Number.NaN;
  if (!match || !(ms > 0)) throw bad(flag, value, 'a positive duration such as 500ms, 2s or 1m');
  return ms;
}

function unitMs(unit: string | undefined): number {
  if (unit === 'ms') return 1;
  if (unit === 'm' || unit === 'min' || unit === 'mins') return 60_000;
  return 1000;
}

function checked<T>(flag: string, value: string, parse: (text: string) => T, expected: string, shown = value): string {
  try {
    parse(value);
  } catch (error) {
    throw new CliUsageError(`invalid value '${shown}' for --${flag}: expected ${expected} (${(error as Error).message})`);
  }
  return value;
}
