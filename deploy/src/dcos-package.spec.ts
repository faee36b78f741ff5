// The DC/OS Universe package in deploy/dcos: a packagingVersion 4.0 revision whose
// marathon.json.mustache, rendered as `dcos package install` renders it (config.json's defaults,
// the user's options, resource.json), is a valid Marathon app running bin/mesos-appmaster.sh with
// options our programs accept, and whose config.json refuses what would break it.
import { envVariableName, isConfigKey, type ConfigKey, type ConfigReader, type MesoflowConfig } from '@mesoflow/config';
import Mustache from 'mustache';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  mergeOptions,
  PACKAGE_DIR,
  PackageOptionsError,
  readPackageJson,
  readPackageText,
  renderMarathonApp,
  renderTemplate,
  resolveOptions,
  schemaDefaults,
  type JsonObject,
  type OptionSchema,
} from './dcos-package';
import {
  appMasterConfigs,
  appMasterFlags,
  flagValue,
  haBundleFolderOf,
  INSTALLATION,
  marathonValidators,
  parseCommand,
  REPOSITORY,
  usesOption,
  withExampleValues,
  type AppProgram,
  type MarathonApp,
} from './definitions';

// The one option without a default: DC/OS users must give it.
const REQUIRED = { service: { 'redis-url': 'redis://redis.marathon.l4lb.thisdcos.directory:6379' } };
const CUSTOM: JsonObject = {
  service: { name: 'dataflow-prod', user: 'mesoflow', role: 'dataflow', 'mesos-master': 'zk://zk-1.example:2181,zk-2.example:2181/mesos', 'redis-url': 'redis://redis.example:6380/2' },
  appmaster: { cpus: 3.5, mem: 4096, 'docker-image': false },
  taskmanager: { cpus: 2.5, mem: 8192, slots: 4, 'container-type': 'docker', image: 'registry.example:5000/team/mesoflow-taskmanager:0.1.0' },
  security: { principal: 'dataflow-principal', secret: 'dataflow/framework-secret' },
  ha: { enabled: true, 'zookeeper-quorum': 'zk-1.example:2181,zk-2.example:2181', 'storage-dir': '/mnt/shared/dataflow/ha' },
};
// HA with the defaults otherwise: the application master in the package's image.
const HA_IN_IMAGE: JsonObject = { ...REQUIRED, ha: { enabled: true, 'storage-dir': '/mnt/shared/mesoflow/ha' } };
const SECRET_VALUE = 'value-of-the-dcos-secret';
const SECRET_VARIABLE = envVariableName('mesos.resourcemanager.framework.secret');
const CONF_DIR = join(REPOSITORY, 'conf');

interface Analysis extends AppProgram {
  configs: Map<ConfigReader, MesoflowConfig>;
  /** The port each named port definition's process listens on. */
  listening: Map<string, number>;
}

/**
 * What a rendered app runs: its command parsed as /bin/sh would (with example values for $HOST
 * and $PORTn), the options each of the four services loads (the installation's conf/, plus the
 * environment Marathon gives the task, secrets resolved), and the ports they listen on.
 */
function analyse(app: MarathonApp): Analysis {
  // The image holds the installation at /opt/mesoflow; the tarball unpacks into the sandbox.
  const installation = app.container === undefined ? withExampleValues('$MESOS_SANDBOX/mesoflow') : INSTALLATION;
  const parsed = parseCommand(app.cmd, installation);
  const { known, portDefaults } = appMasterFlags();
  const unknown = parsed.flags.filter((flag) => !known.includes(flag.split('=')[0] ?? ''));
  if (unknown.length > 0) throw new Error(`bin/mesos-appmaster.sh does not take ${unknown.join(', ')}`);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(app.env ?? {})) env[name] = typeof value === 'string' ? value : SECRET_VALUE;
  const configs = appMasterConfigs(parsed.properties, { confDir: CONF_DIR, env });
  const gateway = configs.get('dispatcher-gateway')!;
  const artifacts = configs.get('artifact-server')!;
  const flagPort = (flag: string): number => Number(flagValue(parsed.flags, flag) ?? portDefaults.get(flag));
  const listening = new Map<string, number>([
    ['rest', gateway.get('rest.port')],
    ['rpc', configs.get('scheduler')!.get('jobmanager.rpc.port')],
    ['dispatcher-grpc', gateway.get('dispatcher.grpc.port')],
    ['artifact-grpc', artifacts.get('mesos.resourcemanager.artifactserver.grpc.port') ?? 0],
    ['artifact-http', artifacts.get('mesos.resourcemanager.artifactserver.port')],
    ['overlay-grpc', flagPort('--config-overlay-port')],
    ['overlay-http', flagPort('--config-overlay-http-port')],
    ['scheduler-http', flagPort('--scheduler-http-port')],
  ]);
  return { ...parsed, configs, listening };
}

function property(analysis: Analysis, key: ConfigKey): string | undefined {
  return analysis.properties.find((candidate) => candidate.key === key)?.value;
}

function problemsOf(options: JsonObject): readonly string[] {
  try {
    resolveOptions(options);
  } catch (error) {
    if (error instanceof PackageOptionsError) return error.problems;
    throw error;
  }
  return [];
}

const validators = marathonValidators();

describe('the DC/OS package', () => {
  it('is a packagingVersion 4.0 revision laid out as in the Universe repository', () => {
    const manifest = readPackageJson<Record<string, unknown>>('package.json');
    // repo/packages/<first letter, upper case>/<name>/<revision>, as Universe's build expects.
    const revision = basename(PACKAGE_DIR);
    const name = basename(dirname(PACKAGE_DIR));
    expect(revision).toMatch(/^(0|[1-9][0-9]*)$/);
    expect(basename(dirname(dirname(PACKAGE_DIR)))).toBe(name.charAt(0).toUpperCase());
    expect(manifest['name']).toBe(name);
    // Universe 4.0 requires these; additionalProperties is false there, so nothing else may appear.
    const required = ['packagingVersion', 'name', 'version', 'maintainer', 'description', 'tags', 'upgradesFrom', 'downgradesTo', 'minDcosReleaseVersion'];
    const allowed = [...required, 'scm', 'website', 'framework', 'preInstallNotes', 'postInstallNotes', 'postUninstallNotes', 'selected', 'licenses'];
    expect(required.filter((field) => !(field in manifest))).toEqual([]);
    expect(Object.keys(manifest).filter((field) => !allowed.includes(field))).toEqual([]);
    expect(manifest).toMatchObject({ packagingVersion: '4.0', framework: true, selected: false });
    expect(manifest['version']).toMatch(/^[-a-zA-Z0-9.]+$/);
    expect(manifest['minDcosReleaseVersion']).toMatch(/^(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*$/);
    for (const tag of manifest['tags'] as string[]) expect(tag).toMatch(/^\S+$/);
    for (const file of ['config.json', 'resource.json', 'marathon.json.mustache'] as const) expect(existsSync(join(PACKAGE_DIR, file))).toBe(true);
  });

  it('names the images and tarball of this version in resource.json', () => {
    const resource = readPackageJson<{ assets: { container: { docker: Record<string, string> }; uris: Record<string, string> } }>('resource.json');
    expect(Object.keys(resource).filter((key) => !['assets', 'images', 'cli'].includes(key))).toEqual([]);
    const version = (JSON.parse(readFileSync(join(REPOSITORY, 'package.json'), 'utf8')) as { version: string }).version;
    expect(String(readPackageJson<Record<string, unknown>>('package.json')['version']).startsWith(`${version}-`)).toBe(true);
    expect(Object.keys(resource.assets.container.docker).sort()).toEqual(['appmaster', 'taskmanager']);
    for (const image of Object.values(resource.assets.container.docker)) expect(image.endsWith(`:${version}`)).toBe(true);
    expect(resource.assets.uris['distribution']).toMatch(new RegExp(`^https://\\S+/mesoflow-${version.replace(/\./g, '\\.')}\\.tgz$`));
  });

  describe('rendered with the defaults', () => {
    const app = renderMarathonApp(REQUIRED) as unknown as MarathonApp;
    const analysis = analyse(app);

    it('is a valid Marathon app running bin/mesos-appmaster.sh from the package\'s image', () => {
      expect(validators.app(app) ? [] : validators.app.errors).toEqual([]);
      expect(analysis.program).toBe('appmaster');
      accessSync(analysis.entry, constants.X_OK);
      const resource = readPackageJson<{ assets: { container: { docker: Record<string, string> } } }>('resource.json');
      expect(app.container).toEqual({ type: 'MESOS', docker: { image: resource.assets.container.docker['appmaster'] } });
      expect(app).toMatchObject({ id: '/mesoflow', user: 'nobody', cpus: 2, mem: 2048, instances: 1 });
      expect(app.env).toBeUndefined();
      expect(app.secrets).toBeUndefined();
    });

    it('gives the -D options of config.json\'s defaults', () => {
      const scheduler = analysis.configs.get('scheduler')!;
      expect(scheduler.get('mesos.resourcemanager.framework.name')).toBe('mesoflow');
      expect(scheduler.get('mesos.resourcemanager.framework.user')).toBe('nobody');
      expect(scheduler.get('mesos.resourcemanager.framework.role')).toBe('*');
      expect(scheduler.get('mesos.resourcemanager.framework.principal')).toBeUndefined();
      expect(scheduler.get('mesos.master')).toBe('zk://master.mesos:2181/mesos');
      expect(scheduler.get('redis.url')).toBe(REQUIRED.service['redis-url']);
      expect(property(analysis, 'mesos.resourcemanager.tasks.cpus')).toBe('1');
      expect(property(analysis, 'mesos.resourcemanager.tasks.mem')).toBe('1024m');
      expect(scheduler.get('taskmanager.numberOfTaskSlots')).toBe(1);
      expect(scheduler.get('mesos.resourcemanager.tasks.container.type')).toBe('mesos');
      expect(scheduler.get('high-availability')).toBe('NONE');
      expect(property(analysis, 'high-availability.zookeeper.quorum')).toBeUndefined();
      expect(scheduler.get('jobmanager.rpc.address')).toBe(withExampleValues('$HOST'));
    });
  });

  describe('rendered with a full custom configuration', () => {
    const app = renderMarathonApp(CUSTOM) as unknown as MarathonApp;
    const analysis = analyse(app);
    const scheduler = analysis.configs.get('scheduler')!;

    it('is a valid Marathon app running bin/mesos-appmaster.sh from the fetched tarball', () => {
      expect(validators.app(app) ? [] : validators.app.errors).toEqual([]);
      expect(analysis.program).toBe('appmaster');
      expect(app.container).toBeUndefined();
      const resource = readPackageJson<{ assets: { uris: Record<string, string> } }>('resource.json');
      expect(app.fetch).toEqual([{ uri: resource.assets.uris['distribution'], extract: true, cache: true }]);
      expect(app).toMatchObject({ id: '/dataflow-prod', user: 'mesoflow', cpus: 3.5, mem: 4096, instances: 1 });
    });

    it('gives every chosen option', () => {
      expect(scheduler.get('mesos.resourcemanager.framework.name')).toBe('dataflow-prod');
      expect(scheduler.get('mesos.resourcemanager.framework.user')).toBe('mesoflow');
      expect(scheduler.get('mesos.resourcemanager.framework.role')).toBe('dataflow');
      expect(scheduler.get('mesos.resourcemanager.framework.principal')).toBe('dataflow-principal');
      expect(scheduler.get('mesos.master')).toBe('zk://zk-1.example:2181,zk-2.example:2181/mesos');
      expect(scheduler.get('redis.url')).toBe('redis://redis.example:6380/2');
      expect(property(analysis, 'mesos.resourcemanager.tasks.cpus')).toBe('2.5');
      expect(property(analysis, 'mesos.resourcemanager.tasks.mem')).toBe('8192m');
      expect(scheduler.get('taskmanager.numberOfTaskSlots')).toBe(4);
      expect(scheduler.get('mesos.resourcemanager.tasks.container.type')).toBe('docker');
      expect(scheduler.get('mesos.resourcemanager.tasks.container.image.name')).toBe('registry.example:5000/team/mesoflow-taskmanager:0.1.0');
      expect(scheduler.get('high-availability')).toBe('zookeeper');
      expect(scheduler.get('high-availability.zookeeper.quorum')).toBe('zk-1.example:2181,zk-2.example:2181');
      expect(scheduler.get('high-availability.storageDir')).toBe('/mnt/shared/dataflow/ha');
      // Two services sharing a ZooKeeper keep their state apart by name.
      expect(scheduler.get('high-availability.cluster-id')).toBe('/dataflow-prod');
    });

    it('passes the secret by reference, never by value', () => {
      expect(app.secrets).toEqual({ 'framework-secret': { source: 'dataflow/framework-secret' } });
      expect(app.env).toEqual({ [SECRET_VARIABLE]: { secret: 'framework-secret' } });
      // Marathon refuses a variable naming an undeclared secret.
      for (const value of Object.values(app.env ?? {})) if (typeof value !== 'string') expect(Object.keys(app.secrets ?? {})).toContain(value.secret);
      expect(app.cmd).not.toContain('framework.secret');
      expect(app.cmd).not.toContain('dataflow/framework-secret');
      // The application master reads the variable Marathon fills from the secret.
      expect(scheduler.get('mesos.resourcemanager.framework.secret')).toBe(SECRET_VALUE);
    });
  });

  describe('rendered with high availability', () => {
    it('mounts the storage folder into the application master\'s image at the path the gateway keeps bundles under', () => {
      const app = renderMarathonApp(HA_IN_IMAGE) as unknown as MarathonApp;
      expect(validators.app(app) ? [] : validators.app.errors).toEqual([]);
      const analysis = analyse(app);
      expect(analysis.configs.get('dispatcher-gateway')!.get('high-availability')).toBe('zookeeper');
      // The image has its own root filesystem: without the host volume the gateway would keep
      // bundles inside the container, where no other application master finds them.
      expect(app.container?.volumes).toEqual([{ containerPath: '/mnt/shared/mesoflow/ha', hostPath: '/mnt/shared/mesoflow/ha', mode: 'RW' }]);
      const bundles = haBundleFolderOf(analysis.properties, { confDir: CONF_DIR });
      expect(bundles?.startsWith('/mnt/shared/mesoflow/ha/')).toBe(true);
    });

    it('keeps bundles under the storage folder on the agent when the tarball runs there', () => {
      const app = renderMarathonApp(CUSTOM) as unknown as MarathonApp;
      // No container: the agent's own filesystem, where the folder is mounted.
      expect(app.container).toBeUndefined();
      expect(haBundleFolderOf(analyse(app).properties, { confDir: CONF_DIR })).toBe('/mnt/shared/dataflow/ha/dataflow-prod/bundles');
    });

    it('mounts nothing without it', () => {
      expect((renderMarathonApp(REQUIRED) as unknown as MarathonApp).container?.volumes).toBeUndefined();
    });
  });

  describe.each([
    ['default', REQUIRED],
    ['custom', CUSTOM],
    ['HA', HA_IN_IMAGE],
  ])('rendered with %s options', (_name, options) => {
    const app = renderMarathonApp(options) as unknown as MarathonApp;
    const analysis = analyse(app);

    it('gives only registry options its services use, with values they accept', () => {
      const services = [...analysis.configs.keys()];
      expect(analysis.properties.length).toBeGreaterThan(10);
      for (const { key } of analysis.properties) {
        expect({ key, known: isConfigKey(key) }).toEqual({ key, known: true });
        expect({ key, used: services.some((service) => usesOption(service, key as ConfigKey)) }).toEqual({ key, used: true });
      }
      for (const [service, config] of analysis.configs) expect({ service, warnings: config.warnings }).toEqual({ service, warnings: [] });
    });

    it('listens on the ports Marathon assigns, by name, and health-checks / of the REST port', () => {
      const definitions = app.portDefinitions ?? [];
      // Port 0: Marathon picks free ports from the offer (DC/OS agents do not offer 8081) and
      // hands them to the task as $PORT0, $PORT1, … in this order.
      expect(definitions.every((definition) => definition.port === 0)).toBe(true);
      expect(app.requirePorts).toBe(false);
      expect(definitions.map((definition) => definition.name).sort()).toEqual([...analysis.listening.keys()].sort());
      definitions.forEach((definition, index) => {
        expect({ name: definition.name, port: analysis.listening.get(definition.name ?? '') }).toEqual({ name: definition.name, port: Number(withExampleValues(`$PORT${index}`)) });
      });
      expect(app.healthChecks).toEqual([expect.objectContaining({ protocol: 'HTTP', path: '/', portIndex: 0 })]);
      expect(definitions[0]?.name).toBe('rest');
      expect(app.labels?.['DCOS_SERVICE_PORT_INDEX']).toBe('0');
    });

    it('gives the REST, submission and upload ports stable VIP addresses under the service name', () => {
      // The addresses README's `bin/mesoflow run` line uses inside the cluster.
      const vips = Object.fromEntries((app.portDefinitions ?? []).flatMap((definition) => Object.values(definition.labels ?? {}).map((vip) => [definition.name, vip])));
      expect(vips).toEqual({ rest: `${app.id}:8081`, 'dispatcher-grpc': `${app.id}:6126`, 'artifact-grpc': `${app.id}:6124` });
      expect(app.labels?.['DCOS_SERVICE_NAME']).toBe(app.id.slice(1));
      expect(app.labels?.['DCOS_PACKAGE_FRAMEWORK_NAME']).toBe(analysis.configs.get('scheduler')!.get('mesos.resourcemanager.framework.name'));
    });

    it('runs one instance and never two at once', () => {
      expect(app.instances).toBe(1);
      expect(app.upgradeStrategy).toEqual({ minimumHealthCapacity: 0, maximumOverCapacity: 0 });
    });
  });

  describe('config.json', () => {
    it('refuses a wrong type, a missing required option, a value out of range, naming the option', () => {
      expect(problemsOf({ ...REQUIRED, taskmanager: { slots: '4' } })).toEqual(['/taskmanager/slots must be integer']);
      expect(problemsOf({ ...REQUIRED, ha: { enabled: 'yes' } })).toContain('/ha/enabled must be boolean');
      expect(problemsOf({})).toEqual(["/service must have required property 'redis-url'"]);
      expect(problemsOf({ ...REQUIRED, taskmanager: { slots: 0 } })).toEqual(['/taskmanager/slots must be >= 1']);
      expect(problemsOf({ ...REQUIRED, appmaster: { mem: 512 } })).toEqual(['/appmaster/mem must be >= 1024']);
      expect(problemsOf({ ...REQUIRED, taskmanager: { 'container-type': 'kubernetes' } })).toEqual(['/taskmanager/container-type must be equal to one of the allowed values']);
      expect(problemsOf({ ...REQUIRED, taskmanager: { slot: 4 } })).toEqual(['/taskmanager must NOT have additional properties']);
      expect(problemsOf({ service: { ...REQUIRED.service, name: 'Mesoflow' } })).toEqual(['/service/name must match pattern "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"']);
    });

    it('refuses a secret without a principal and high availability without a storage folder or with a URI', () => {
      expect(problemsOf({ ...REQUIRED, security: { secret: 'mesoflow/secret' } })).toEqual(
        expect.arrayContaining(['/security/secret must NOT have more than 0 characters', '/security/principal must NOT have fewer than 1 characters']),
      );
      expect(problemsOf({ ...REQUIRED, ha: { enabled: true } })).toEqual(expect.arrayContaining(['/ha/storage-dir must NOT have fewer than 1 characters']));
      // The gateway keeps bundles only in a mounted folder, which the template also mounts as a
      // host volume: an absolute path, no URI.
      for (const storageDir of ['hdfs://namenode.example:8020/mesoflow/ha', 'file:///mnt/shared/ha', 'mnt/shared/ha']) {
        expect(problemsOf({ ...REQUIRED, ha: { enabled: true, 'storage-dir': storageDir } })).toEqual(['/ha/storage-dir must match pattern "^(/[A-Za-z0-9._/+-]*)?$"']);
      }
      expect(problemsOf({ ...REQUIRED, security: { principal: 'p', secret: 'mesoflow/secret' }, ha: { enabled: true, 'storage-dir': '/mnt/shared/ha' } })).toEqual([]);
    });

    it('has a default for every option but the Redis URL, and the defaults pass', () => {
      const schema = readPackageJson<OptionSchema>('config.json');
      const defaults = schemaDefaults(schema);
      const groups = Object.entries(schema.properties ?? {});
      const withoutDefault = groups.flatMap(([group, groupSchema]) => Object.keys(groupSchema.properties ?? {}).filter((name) => (defaults[group] as JsonObject)[name] === undefined).map((name) => `${group}.${name}`));
      expect(withoutDefault).toEqual(['service.redis-url']);
      expect(problemsOf(REQUIRED)).toEqual([]);
    });
  });

  describe('marathon.json.mustache', () => {
    const schema = readPackageJson<OptionSchema>('config.json');
    const resource = readPackageJson<JsonObject>('resource.json');

    function optionSchema(name: string): OptionSchema | undefined {
      return name.split('.').reduce<OptionSchema | undefined>((schemaAt, part) => schemaAt?.properties?.[part], schema);
    }

    function resourceValue(name: string): unknown {
      return name.split('.').slice(1).reduce<unknown>((value, part) => (value as Record<string, unknown> | undefined)?.[part], resource);
    }

    /** Every value the template interpolates: [kind, name], with `name` for {{ }} and `&` for {{{ }}}. */
    function variables(tokens: readonly unknown[]): Array<[string, string]> {
      return tokens.flatMap((token) => {
        const [kind, name, , , children] = token as [string, string, number, number, unknown[] | undefined];
        if (kind === 'name' || kind === '&') return [[kind, name] as [string, string]];
        return kind === '#' || kind === '^' ? variables(children ?? []) : [];
      });
    }

    const used = variables(Mustache.parse(readPackageText('marathon.json.mustache')));
    // What could break the JSON text or the command /bin/sh runs.
    const UNSAFE = ['"', '\\', ' ', '\n', "'", '`', '$', ';', '&', '|', '<', '>', '(', ')', '*', '?'];

    it('uses only options config.json defines and assets resource.json names', () => {
      expect(used.length).toBeGreaterThan(10);
      for (const [, name] of used) {
        if (name.startsWith('resource.')) expect({ name, value: typeof resourceValue(name) }).toEqual({ name, value: 'string' });
        else expect({ name, defined: optionSchema(name)?.type !== undefined }).toEqual({ name, defined: true });
      }
    });

    it('puts strings in unescaped, each constrained by a pattern that admits nothing unsafe', () => {
      // HTML escaping ({{ }}) would turn a/b into a&#x2F;b (mustache.js) or a"b into a&quot;b
      // (Cosmos), so strings go in verbatim and config.json keeps out what would break JSON or sh.
      for (const [kind, name] of used) {
        if (name.startsWith('resource.')) {
          expect(kind).toBe('&');
          expect({ name, unsafe: UNSAFE.filter((character) => String(resourceValue(name)).includes(character)) }).toEqual({ name, unsafe: [] });
          continue;
        }
        const option = optionSchema(name)!;
        if (option.type !== 'string') {
          expect({ name, type: option.type }).toEqual({ name, type: expect.stringMatching(/^(number|integer|boolean)$/) });
          continue;
        }
        expect({ name, kind }).toEqual({ name, kind: '&' });
        const admits = (text: string): boolean => option.enum?.includes(text) ?? new RegExp(option.pattern ?? '').test(text);
        expect({ name, admitted: UNSAFE.filter((character) => admits(`a${character}b`)) }).toEqual({ name, admitted: [] });
      }
    });

    it('stays valid JSON because values with quotes are refused before rendering', () => {
      const options = [
        ['service', 'name'],
        ['service', 'redis-url'],
        ['taskmanager', 'image'],
        ['security', 'principal'],
        ['security', 'secret'],
        ['ha', 'storage-dir'],
      ] as const;
      for (const [group, name] of options) {
        const quoted = { ...REQUIRED, [group]: { ...(group === 'service' ? REQUIRED.service : {}), [name]: 'a"b' } };
        expect(problemsOf(quoted)).toContainEqual(expect.stringMatching(new RegExp(`^/${group}/${name} must match pattern`)));
      }
      // Unvalidated, such a value would break the app: the refusal above is what keeps it valid.
      const unchecked = mergeOptions(schemaDefaults(schema), { ...REQUIRED, security: { principal: 'a"b' } });
      expect(() => JSON.parse(renderTemplate(unchecked)) as unknown).toThrow(SyntaxError);
    });
  });

  describe('deploy/src/render-dcos-app.ts', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'mesoflow-dcos-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function render(options: JsonObject): { status: number | null; stdout: string; stderr: string } {
      const file = join(dir, 'options.json');
      writeFileSync(file, JSON.stringify(options));
      return spawnSync(process.execPath, ['--import', 'tsx', join(REPOSITORY, 'deploy/src/render-dcos-app.ts'), file], { cwd: REPOSITORY, encoding: 'utf8', timeout: 60_000 });
    }

    it('prints the app dcos package install would post, or the options\' problems', () => {
      const good = render(CUSTOM);
      expect(good.stderr).toBe('');
      expect(good.status).toBe(0);
      expect(JSON.parse(good.stdout)).toEqual(renderMarathonApp(CUSTOM));
      const bad = render({ ...REQUIRED, taskmanager: { slots: 0 } });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('/taskmanager/slots must be >= 1');
      expect(bad.stdout).toBe('');
    });
  });
});

