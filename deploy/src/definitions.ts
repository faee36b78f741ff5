// Reading deploy/'s Marathon definitions and Dockerfiles the way their consumers do: Marathon
// hands `cmd` to /bin/sh, Docker reads a Dockerfile line by line. Shared by the deploy suites.
import {
  loadConfig,
  optionDefinition,
  parseDynamicProperties,
  TASKMANAGER_INHERITED_KEYS,
  type ConfigKey,
  type ConfigReader,
  type DynamicProperty,
  type MesoflowConfig,
} from '@mesoflow/config';
import Ajv, { type ValidateFunction } from 'ajv';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const REPOSITORY = join(__dirname, '../..');
export const DEPLOY = join(REPOSITORY, 'deploy');
/** Where the definitions expect the Mesoflow installation on the agents (a checkout with `npm ci`). */
export const INSTALLATION = '/opt/mesoflow';

/**
 * Example values for the placeholders an operator replaces (deploy/README.md lists them) and for
 * the variables Marathon and Mesos set in a task's environment. Realistic but never resolved.
 */
export const EXAMPLE_VALUES: Readonly<Record<string, string>> = {
  '<mesos-master>': 'mesos-master.example',
  '<master-host>': 'master.example',
  '<redis-host>': 'redis.example',
  '<user>': 'mesoflow',
  '<zk-quorum>': 'zk-1.example:2181,zk-2.example:2181,zk-3.example:2181',
  $HOST: 'agent-7.example',
  $MESOS_SANDBOX: '/var/lib/mesos/slaves/s1/frameworks/f1/executors/e1/runs/latest',
  // The ports Marathon assigns to `portDefinitions` with port 0, in their order (DC/OS package).
  $PORT0: '31010',
  $PORT1: '31011',
  $PORT2: '31012',
  $PORT3: '31013',
  $PORT4: '31014',
  $PORT5: '31015',
  $PORT6: '31016',
  $PORT7: '31017',
};

/** Every `<placeholder>` in a text. */
export function placeholdersIn(text: string): string[] {
  return [...new Set(text.match(/<[a-z][a-z0-9-]*>/g) ?? [])].sort();
}

/** `text` with every placeholder and task variable replaced by its example value. */
export function withExampleValues(text: string): string {
  let out = text;
  for (const [name, value] of Object.entries(EXAMPLE_VALUES)) out = out.split(name).join(value);
  return out;
}

export interface MarathonApp {
  id: string;
  cmd: string;
  user?: string;
  cpus: number;
  mem: number;
  instances: number;
  /** A value, or (DC/OS Enterprise) a reference to one of `secrets`. */
  env?: Record<string, string | { secret: string }>;
  secrets?: Record<string, { source: string }>;
  container?: { type: 'DOCKER' | 'MESOS'; docker?: { image: string }; volumes?: Array<{ containerPath: string; hostPath?: string; mode?: 'RO' | 'RW' }> };
  fetch?: Array<{ uri: string; extract?: boolean; cache?: boolean }>;
  labels?: Record<string, string>;
  taskKillGracePeriodSeconds?: number;
  constraints?: string[][];
  dependencies?: string[];
  portDefinitions?: Array<{ port: number; name?: string; protocol?: string; labels?: Record<string, string> }>;
  requirePorts?: boolean;
  healthChecks?: Array<{ protocol: string; path?: string; port?: number; portIndex?: number; gracePeriodSeconds?: number }>;
  upgradeStrategy?: { minimumHealthCapacity?: number; maximumOverCapacity?: number };
}

export interface MarathonGroup {
  id: string;
  apps: MarathonApp[];
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(join(DEPLOY, path), 'utf8')) as T;
}

/** Validators for Marathon app and group definitions, from deploy/marathon/schema. */
export function marathonValidators(): { app: ValidateFunction; group: ValidateFunction } {
  // strictTuples off: a constraint is [field, operator] or [field, operator, value], which Ajv's
  // strict mode would want as a fixed-length tuple.
  const ajv = new Ajv({ allErrors: true, strictTuples: false });
  ajv.addSchema(readJson<object>('marathon/schema/app.schema.json'), 'app');
  ajv.addSchema(readJson<object>('marathon/schema/group.schema.json'), 'group');
  const app = ajv.getSchema('app');
  const group = ajv.getSchema('group');
  if (app === undefined || group === undefined) throw new Error('deploy/marathon/schema: the app or group schema did not compile');
  return { app, group };
}

/** The four services bin/mesos-appmaster.sh runs, in its start order. */
export const APPMASTER_SERVICES: readonly ConfigReader[] = ['artifact-server', 'config-overlay', 'scheduler', 'dispatcher-gateway'];

/**
 * The configuration each service of bin/mesos-appmaster.sh loads from `properties`, `env` (the
 * task's `MESOFLOW_*` variables) and `confDir`, with the defaults
 * apps/appmaster/src/cluster-children.ts's clusterDefaults adds when the user does not set them.
 * Throws the ConfigError the application master would fail with.
 */
export function appMasterConfigs(properties: readonly DynamicProperty[], options: { confDir: string; env?: Readonly<Record<string, string>> }): Map<ConfigReader, MesoflowConfig> {
  const given = new Set(properties.map((property) => property.key));
  const defaults: DynamicProperty[] = [];
  if (!given.has('mesos.resourcemanager.artifactserver.grpc.port')) defaults.push({ key: 'mesos.resourcemanager.artifactserver.grpc.port', value: '6124' });
  if (!given.has('mesos.resourcemanager.artifactserver.root')) defaults.push({ key: 'mesos.resourcemanager.artifactserver.root', value: withExampleValues('$MESOS_SANDBOX/artifacts') });
  const configs = new Map<ConfigReader, MesoflowConfig>();
  for (const service of APPMASTER_SERVICES) configs.set(service, loadConfig({ dynamicProperties: [...defaults, ...properties], service, env: options.env ?? {}, confDir: options.confDir }));
  return configs;
}

/** Whether a service uses an option: it reads it, or (the configuration overlay) passes it on to TaskManagers. */
export function usesOption(service: ConfigReader, key: ConfigKey): boolean {
  return optionDefinition(key).readers.includes(service) || (service === 'config-overlay' && TASKMANAGER_INHERITED_KEYS.includes(key));
}

/** The program a Marathon app runs: which Mesoflow program, and its arguments. */
export interface AppProgram {
  /** `appmaster` for bin/mesos-appmaster.sh, else the app under apps/ whose main.ts runs. */
  program: 'appmaster' | 'artifact-server' | 'config-overlay' | 'scheduler' | 'dispatcher-gateway';
  /** The file in this repository that the command starts. */
  entry: string;
  /** The `-D` properties, placeholders replaced by example values. */
  properties: readonly DynamicProperty[];
  /** The remaining arguments: the program's own flags. */
  flags: readonly string[];
}

const SERVICES = ['artifact-server', 'config-overlay', 'scheduler', 'dispatcher-gateway'] as const;
// Group apps run a service from the installation's sources, as `node --import tsx` resolves tsx and
// the tsconfig paths from the working directory.
const SERVICE_CMD = /^cd (\S+) && exec node --import tsx apps\/([a-z-]+)\/src\/main\.ts((?: \S+)*)$/;

/**
 * Splits a Marathon `cmd` into its program and arguments. Only plain words separated by spaces
 * are accepted (no quotes or shell operators beyond the group's `cd ... && exec`), so that this
 * split is the one /bin/sh makes. `installation` is where the command expects Mesoflow, after
 * the example values are put in (the DC/OS package can run it from the sandbox).
 */
export function parseCommand(cmd: string, installation = INSTALLATION): AppProgram {
  const expanded = withExampleValues(cmd);
  let program: AppProgram['program'];
  let entry: string;
  let words: string[];
  const service = SERVICE_CMD.exec(expanded);
  if (service) {
    const [, home = '', name = '', rest = ''] = service;
    if (home !== installation) throw new Error(`'${cmd}' runs from '${home}', not the installation ${installation}`);
    const known = SERVICES.find((candidate) => candidate === name);
    if (known === undefined) throw new Error(`'${cmd}' runs apps/${name}, which is none of ${SERVICES.join(', ')}`);
    program = known;
    entry = join(REPOSITORY, 'apps', name, 'src/main.ts');
    words = rest.trim().split(/ +/).filter((word) => word !== '');
  } else {
    const [script = '', ...rest] = expanded.split(/ +/);
    if (script !== `${installation}/bin/mesos-appmaster.sh`) throw new Error(`'${cmd}' starts neither a service nor ${installation}/bin/mesos-appmaster.sh`);
    program = 'appmaster';
    entry = join(REPOSITORY, relative(installation, script));
    words = rest;
  }
  const unsafe = words.find((word) => /['"`;|&<>\\$()*?]/.test(word));
  if (unsafe !== undefined) throw new Error(`'${cmd}': the argument '${unsafe}' means something to /bin/sh`);
  const { properties, args } = parseDynamicProperties(words);
  return { program, entry, properties, flags: args };
}

/**
 * Runs the settings parser of a service (apps/<service>/src/settings.ts) on `flags` in a child
 * process, as its main.ts would: the deploy project may not import app code, and running the
 * real parser checks values, not just flag names.
 */
export function parseServiceSettings(service: 'config-overlay' | 'scheduler' | 'dispatcher-gateway', flags: readonly string[]): Record<string, unknown> {
  const script = [
    `const { parseSettings } = require(${JSON.stringify(join(REPOSITORY, 'apps', service, 'src/settings.ts'))});`,
    'try { process.stdout.write(JSON.stringify(parseSettings(JSON.parse(process.argv[1])))); }',
    'catch (error) { process.stderr.write(error.message); process.exitCode = 2; }',
  ].join('\n');
  const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, JSON.stringify(flags)], { cwd: REPOSITORY, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${service} refuses ${flags.join(' ')}: ${result.stderr || result.error?.message || `exit ${result.status}`}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/**
 * The folder where the dispatcher gateway keeps accepted jobs' bundles with `high-availability:
 * zookeeper` (`<storageDir>/<cluster-id>/bundles`), computed in a child process by the gateway's
 * own haBundleFolder from the configuration `properties` give, as the gateway loads it. Undefined
 * without HA; throws the gateway's refusal (e.g. a storage URI that is not a mounted folder).
 */
export function haBundleFolderOf(properties: readonly DynamicProperty[], options: { confDir: string; env?: Readonly<Record<string, string>> }): string | undefined {
  const script = [
    "const { loadConfig } = require('@mesoflow/config');",
    `const { haBundleFolder } = require(${JSON.stringify(join(REPOSITORY, 'apps/dispatcher-gateway/src/ha/ha-bundles.ts'))});`,
    'const [properties, confDir, env] = JSON.parse(process.argv[1]);',
    "try { process.stdout.write(JSON.stringify({ folder: haBundleFolder(loadConfig({ dynamicProperties: properties, service: 'dispatcher-gateway', env, confDir })) ?? null })); }",
    'catch (error) { process.stderr.write(error.message); process.exitCode = 2; }',
  ].join('\n');
  const input = JSON.stringify([properties, options.confDir, options.env ?? {}]);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, input], { cwd: REPOSITORY, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`the dispatcher gateway refuses the HA storage: ${result.stderr || result.error?.message || `exit ${result.status}`}`);
  return (JSON.parse(result.stdout) as { folder: string | null }).folder ?? undefined;
}

/** The flags bin/mesos-appmaster.sh's program takes, and the port defaults among them, from its ProcessFlags call. */
export function appMasterFlags(): { known: string[]; portDefaults: Map<string, number> } {
  const source = readFileSync(join(REPOSITORY, 'apps/appmaster/src/main.ts'), 'utf8');
  const list = /new ProcessFlags\(args, \[([^\]]*)\]\)/.exec(source)?.[1];
  if (list === undefined) throw new Error('apps/appmaster/src/main.ts no longer reads its flags with one `new ProcessFlags(args, [...])`; update deploy/src/definitions.ts');
  const known = [...list.matchAll(/'(--[a-z-]+)'/g)].map((match) => match[1] ?? '');
  const portDefaults = new Map([...source.matchAll(/flags\.port\('(--[a-z-]+)', (\d+)\)/g)].map((match) => [match[1] ?? '', Number(match[2])]));
  return { known, portDefaults };
}

/** The value of `--name value` or `--name=value` among a program's flags. */
export function flagValue(flags: readonly string[], name: string): string | undefined {
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i] ?? '';
    if (flag === name) return flags[i + 1];
    if (flag.startsWith(`${name}=`)) return flag.slice(name.length + 1);
  }
  return undefined;
}

/** One instruction of a Dockerfile, continuation lines joined. */
export interface DockerInstruction {
  instruction: string;
  /** The text after the instruction word. */
  text: string;
  line: number;
}

/** Parses a Dockerfile: comments and blank lines dropped, `\` continuations joined. */
export function parseDockerfile(text: string): DockerInstruction[] {
  const instructions: DockerInstruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (pending === undefined && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending !== undefined && line.trimStart().startsWith('#')) return;
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1) : line;
    pending = pending === undefined ? { text: body.trim(), line: index + 1 } : { ...pending, text: `${pending.text} ${body.trim()}` };
    if (continued) return;
    const [instruction = '', ...rest] = pending.text.split(/\s+/);
    instructions.push({ instruction: instruction.toUpperCase(), text: rest.join(' '), line: pending.line });
    pending = undefined;
  });
  return instructions;
}

/** The words of an exec-form (`["a", "b"]`) or shell-form instruction argument. */
export function instructionWords(text: string): string[] {
  return text.startsWith('[') ? (JSON.parse(text) as string[]) : text.split(/\s+/);
}

/**
 * Whether a .dockerignore excludes `path` (relative to the context): Docker's rules, reduced to
 * what our ignore files use: `*`, `**`, `!` exceptions, the last matching line wins, and a
 * pattern that matches a folder excludes everything in it.
 */
export function isIgnored(ignoreText: string, path: string): boolean {
  const patterns = ignoreText
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const segments = path.split('/');
  const candidates = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const body = (negated ? pattern.slice(1) : pattern).replace(/^\/+|\/+$/g, '');
    const source = body
      .split('**')
      .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
      .join('.*')
      .replace(/\.\*\//g, '(?:.*/)?');
    const regex = new RegExp(`^${source}$`);
    // A pattern naming a folder covers what is under it; an exception re-includes what it names.
    if (candidates.some((candidate) => regex.test(candidate))) ignored = !negated;
  }
  return ignored;
}
