// The Marathon definitions in deploy/marathon: valid for Marathon 1.11, and running our programs
// with flags and options they accept, ports they listen on reserved, peers wired to where the
// other apps listen, and (mesoflow-ha.json) standby application masters that can take over.
// Values are checked with the example values of deploy/README.md.
import { isConfigKey, loadConfig, optionDefinition, type ConfigKey, type ConfigReader, type DynamicProperty, type MesoflowConfig } from '@mesoflow/config';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  appMasterConfigs,
  appMasterFlags,
  APPMASTER_SERVICES,
  DEPLOY,
  flagValue,
  haBundleFolderOf,
  INSTALLATION,
  marathonValidators,
  parseCommand,
  parseServiceSettings,
  placeholdersIn,
  readJson,
  REPOSITORY,
  usesOption,
  withExampleValues,
  type AppProgram,
  type MarathonApp,
  type MarathonGroup,
} from './definitions';

const single = readJson<MarathonApp>('marathon/mesoflow.json');
const standby = readJson<MarathonApp>('marathon/mesoflow-ha.json');
const group = readJson<MarathonGroup>('marathon/mesoflow-group.json');
const SERVICES = APPMASTER_SERVICES;

/** What an app runs, as its programs would see it. */
interface Analysis extends AppProgram {
  /** The configuration each service of the app loads (the appmaster runs all four). */
  configs: Map<ConfigReader, MesoflowConfig>;
  /** Every port the app's processes listen on. */
  ports: Set<number>;
  health: { port: number; path: string };
  /** Peer addresses the app is given: which app and port they must reach. */
  peers: Array<{ what: string; address: string; app: string; port: (analysis: Analysis) => number }>;
  /** The scheduler's resource manager port, for peers. */
  rpcPort?: number;
  grpcPort?: number;
}

// By definition, not id: mesoflow.json and mesoflow-ha.json are both /mesoflow.
const cache = new Map<MarathonApp, Analysis>();

function installationPath(path: string): string {
  if (!path.startsWith(`${INSTALLATION}/`)) throw new Error(`'${path}' is outside the installation ${INSTALLATION}`);
  return join(REPOSITORY, relative(INSTALLATION, path));
}

// Both bin/mesos-appmaster.sh and the group's `cd /opt/mesoflow` read the installation's conf/
// unless MESOFLOW_CONF_DIR says otherwise; no MESOFLOW_* option variables are set.
function confDirOf(app: MarathonApp): string {
  const confDir = app.env?.['MESOFLOW_CONF_DIR'];
  return installationPath(typeof confDir === 'string' ? confDir : `${INSTALLATION}/conf`);
}

function load(service: ConfigReader, properties: readonly DynamicProperty[], app: MarathonApp): MesoflowConfig {
  return loadConfig({ dynamicProperties: properties, service, env: {}, confDir: confDirOf(app) });
}

function analyse(app: MarathonApp): Analysis {
  const cached = cache.get(app);
  if (cached) return cached;
  const parsed = parseCommand(app.cmd);
  const configs = new Map<ConfigReader, MesoflowConfig>();
  let analysis: Analysis;
  switch (parsed.program) {
    case 'appmaster': {
      const { known, portDefaults } = appMasterFlags();
      const unknown = parsed.flags.filter((flag) => flag.startsWith('--') && !known.includes(flag.split('=')[0] ?? ''));
      if (unknown.length > 0) throw new Error(`bin/mesos-appmaster.sh does not take ${unknown.join(', ')} (it takes ${known.join(', ')})`);
      const port = (flag: string): number => Number(flagValue(parsed.flags, flag) ?? portDefaults.get(flag));
      for (const [service, config] of appMasterConfigs(parsed.properties, { confDir: confDirOf(app) })) configs.set(service, config);
      const scheduler = configs.get('scheduler')!;
      const gateway = configs.get('dispatcher-gateway')!;
      analysis = {
        ...parsed,
        configs,
        ports: new Set([
          gateway.get('rest.port'),
          scheduler.get('jobmanager.rpc.port'),
          configs.get('artifact-server')!.get('mesos.resourcemanager.artifactserver.grpc.port') ?? 0,
          configs.get('artifact-server')!.get('mesos.resourcemanager.artifactserver.port'),
          gateway.get('dispatcher.grpc.port'),
          port('--config-overlay-port'),
          port('--config-overlay-http-port'),
          port('--scheduler-http-port'),
        ]),
        health: { port: gateway.get('rest.port'), path: '/' },
        peers: [],
      };
      break;
    }
    case 'artifact-server': {
      // Its main.ts refuses any argument but -D.
      if (parsed.flags.length > 0) throw new Error(`the artifact server takes only -Dkey=value, not ${parsed.flags.join(' ')}`);
      const config = load('artifact-server', parsed.properties, app);
      configs.set('artifact-server', config);
      const http = config.get('mesos.resourcemanager.artifactserver.port');
      const grpc = config.get('mesos.resourcemanager.artifactserver.grpc.port') ?? 0;
      analysis = { ...parsed, configs, ports: new Set([http, grpc]), health: { port: http, path: '/healthz' }, peers: [], grpcPort: grpc };
      break;
    }
    case 'config-overlay': {
      const settings = parseServiceSettings('config-overlay', parsed.flags) as { grpcPort: number; httpPort: number; artifactServer: string };
      configs.set('config-overlay', load('config-overlay', parsed.properties, app));
      analysis = {
        ...parsed,
        configs,
        ports: new Set([settings.grpcPort, settings.httpPort]),
        health: { port: settings.httpPort, path: '/healthz' },
        peers: [{ what: '--artifact-server', address: settings.artifactServer, app: '/mesoflow/artifact-server', port: (peer) => peer.grpcPort ?? -1 }],
        grpcPort: settings.grpcPort,
      };
      break;
    }
    case 'scheduler': {
      const settings = parseServiceSettings('scheduler', parsed.flags) as { httpPort: number; configOverlay?: string };
      const config = load('scheduler', parsed.properties, app);
      configs.set('scheduler', config);
      analysis = {
        ...parsed,
        configs,
        ports: new Set([settings.httpPort, config.get('jobmanager.rpc.port')]),
        health: { port: settings.httpPort, path: '/healthz' },
        peers: [{ what: '--config-overlay', address: settings.configOverlay ?? '', app: '/mesoflow/config-overlay', port: (peer) => peer.grpcPort ?? -1 }],
        rpcPort: config.get('jobmanager.rpc.port'),
      };
      break;
    }
    case 'dispatcher-gateway': {
      const settings = parseServiceSettings('dispatcher-gateway', parsed.flags) as { grpcPort?: number };
      const config = load('dispatcher-gateway', parsed.properties, app);
      configs.set('dispatcher-gateway', config);
      analysis = {
        ...parsed,
        configs,
        ports: new Set([config.get('rest.port'), settings.grpcPort ?? config.get('dispatcher.grpc.port')]),
        health: { port: config.get('rest.port'), path: '/healthz' },
        peers: [],
      };
      break;
    }
  }
  cache.set(app, analysis);
  return analysis;
}

const uses = usesOption;

function formatted(config: MesoflowConfig, key: ConfigKey): string {
  return config.has(key) ? optionDefinition(key).type.format(config.get(key)) : '(unset)';
}

function hostOf(app: MarathonApp): string | undefined {
  const pinned = app.constraints?.find(([field, operator]) => field === 'hostname' && operator === 'CLUSTER');
  return pinned?.[2] === undefined ? undefined : withExampleValues(pinned[2]);
}

const apps: Array<[string, MarathonApp]> = [
  [`mesoflow.json ${single.id}`, single],
  [`mesoflow-ha.json ${standby.id}`, standby],
  ...group.apps.map((app): [string, MarathonApp] => [`mesoflow-group.json ${app.id}`, app]),
];

/** The options mesoflow-ha.json adds to mesoflow.json. */
const HA_KEYS: readonly ConfigKey[] = [
  'high-availability',
  'high-availability.zookeeper.quorum',
  'high-availability.cluster-id',
  'high-availability.storageDir',
  'high-availability.zookeeper.client.session-timeout',
  'dispatcher.job-lock-timeout',
];

describe('Marathon definitions', () => {
  const validators = marathonValidators();

  it('are valid Marathon app and group definitions', () => {
    expect(validators.app(single) ? [] : validators.app.errors).toEqual([]);
    expect(validators.app(standby) ? [] : validators.app.errors).toEqual([]);
    expect(validators.group(group) ? [] : validators.group.errors).toEqual([]);
  });

  it('are checked by a schema that refuses what Marathon refuses', () => {
    // The schema check above is only worth something if the schema can say no.
    const wrong: Array<Record<string, unknown>> = [
      { ...single, id: '/Mesoflow' },
      { ...single, instance: 1 },
      { ...single, args: ['x'] },
      { ...single, healthChecks: [{ protocol: 'HTTP', path: '/', portIndex: 0, gracePeriod: 300 }] },
      { ...single, portDefinitions: [{ port: 8081, name: 'REST' }] },
      { ...standby, container: { type: 'MESOS', volumes: [{ containerPath: '/mnt/mesoflow-ha', hostPath: '/mnt/mesoflow-ha', mode: 'rw' }] } },
      { ...standby, container: { type: 'MESOS', volumes: [{ containerPath: '/mnt/mesoflow-ha', hostPath: '/mnt/mesoflow-ha' }] } },
      { ...standby, container: { type: 'MESOS', volumes: [{ containerPath: '/mnt/mesoflow-ha', hostpath: '/mnt/mesoflow-ha', mode: 'RW' }] } },
      { ...standby, constraints: [['hostname', 'UNIQUE_HOST']] },
    ];
    for (const app of wrong) expect(validators.app(app)).toBe(false);
    expect(validators.group({ ...group, apps: [{ ...single, cpus: 0 }] })).toBe(false);
  });

  it('use only placeholders that deploy/README.md documents', () => {
    const readme = readFileSync(join(DEPLOY, 'README.md'), 'utf8');
    const files = ['marathon/mesoflow.json', 'marathon/mesoflow-ha.json', 'marathon/mesoflow-group.json'];
    const used = placeholdersIn(files.map((file) => readFileSync(join(DEPLOY, file), 'utf8')).join('\n'));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((placeholder) => !readme.includes(`| \`${placeholder}\``))).toEqual([]);
    expect(placeholdersIn(withExampleValues(JSON.stringify([single, standby, group])))).toEqual([]);
  });

  describe.each(apps)('%s', (_name, app) => {
    it('runs a program of this repository with flags it accepts', () => {
      const analysis = analyse(app);
      expect(existsSync(analysis.entry)).toBe(true);
      if (analysis.program === 'appmaster') accessSync(analysis.entry, constants.X_OK);
    });

    it('gives only registry options its services use, with values they accept', () => {
      const analysis = analyse(app);
      const services = [...analysis.configs.keys()];
      for (const { key } of analysis.properties) {
        expect({ key, known: isConfigKey(key) }).toEqual({ key, known: true });
        expect({ key, used: services.some((service) => uses(service, key as ConfigKey)) }).toEqual({ key, used: true });
      }
      for (const [service, config] of analysis.configs) expect({ service, warnings: config.warnings }).toEqual({ service, warnings: [] });
    });

    it('reserves exactly the ports its processes listen on and health-checks the one serving health', () => {
      const analysis = analyse(app);
      expect(app.requirePorts).toBe(true);
      const declared = (app.portDefinitions ?? []).map((definition) => definition.port);
      expect(new Set(declared).size).toBe(declared.length);
      expect([...declared].sort()).toEqual([...analysis.ports].sort());
      expect(app.healthChecks).toHaveLength(1);
      const [check] = app.healthChecks ?? [];
      expect(check?.protocol).toBe('HTTP');
      expect(check?.path).toBe(analysis.health.path);
      const port = check?.portIndex === undefined ? check?.port : declared[check.portIndex];
      expect(port).toBe(analysis.health.port);
      expect(check?.gracePeriodSeconds).toBeGreaterThan(0);
    });

    it('asks for resources a Node.js service needs', () => {
      expect(app.cpus).toBeGreaterThan(0);
      expect(app.mem).toBeGreaterThanOrEqual(256);
    });

    if (app !== standby) {
      it('runs one instance and never two at once', () => {
        // Standby application masters exist only with the HA options (mesoflow-ha.json): without
        // them a second instance would register a second Mesos framework rather than stand by, and
        // with fixed ports the new task of an upgrade could not start beside the old.
        for (const [service, config] of analyse(app).configs) if (uses(service, 'high-availability')) expect({ service, ha: config.get('high-availability') }).toEqual({ service, ha: 'NONE' });
        expect(app.instances).toBe(1);
        expect(app.upgradeStrategy).toEqual({ minimumHealthCapacity: 0, maximumOverCapacity: 0 });
      });
    }
  });

  describe('the single app', () => {
    it('is the seed\'s application master, reachable at the agent it runs on', () => {
      const analysis = analyse(single);
      expect(analysis.program).toBe('appmaster');
      const scheduler = analysis.configs.get('scheduler')!;
      // $HOST: TaskManagers and the fetcher reach the agent Marathon picked, never localhost.
      expect(scheduler.get('jobmanager.rpc.address')).toBe(withExampleValues('$HOST'));
      expect(analysis.configs.get('artifact-server')!.get('mesos.resourcemanager.artifactserver.advertised-host')).toBe(withExampleValues('$HOST'));
      expect(scheduler.get('mesos.resourcemanager.framework.user')).toBe(withExampleValues(single.user ?? ''));
    });
  });

  describe('the HA app (mesoflow-ha.json)', () => {
    const analysis = analyse(standby);
    const scheduler = analysis.configs.get('scheduler')!;
    const gateway = analysis.configs.get('dispatcher-gateway')!;

    it('is the single app with the HA options added, and nothing else changed', () => {
      const base = analyse(single);
      expect(analysis.program).toBe('appmaster');
      expect(analysis.entry).toBe(base.entry);
      // Same flags, so --work-dir stays the sandbox: with HA the framework ID and the workers are
      // in ZooKeeper and the bundles in the storage folder, so nothing in the sandbox must survive.
      expect(analysis.flags).toEqual(base.flags);
      expect(flagValue(analysis.flags, '--work-dir')).toBeUndefined();
      expect(analysis.properties.filter(({ key }) => !HA_KEYS.includes(key as ConfigKey))).toEqual(base.properties);
      expect(analysis.properties.map(({ key }) => key).filter((key) => HA_KEYS.includes(key as ConfigKey)).sort()).toEqual([...HA_KEYS].sort());
      const differing = ['cmd', 'instances', 'constraints', 'container', 'upgradeStrategy'];
      const rest = (app: MarathonApp): Record<string, unknown> => Object.fromEntries(Object.entries(app).filter(([field]) => !differing.includes(field)));
      expect(rest(standby)).toEqual(rest(single));
    });

    it('runs two or more instances, one per host, and replaces one at a time', () => {
      expect(standby.instances).toBeGreaterThanOrEqual(2);
      // Fixed ports: two instances could not share an agent anyway; UNIQUE says so to Marathon and
      // keeps one host's failure from taking both.
      expect(standby.constraints).toContainEqual(['hostname', 'UNIQUE']);
      // Marathon keeps ceil(instances × minimumHealthCapacity) healthy and runs at most
      // instances × (1 + maximumOverCapacity) during an upgrade: here one task is replaced at a
      // time while the others lead or stand by, and no extra task needs a free host.
      const { minimumHealthCapacity = 1, maximumOverCapacity = 1 } = standby.upgradeStrategy ?? {};
      const keptHealthy = Math.ceil(standby.instances * minimumHealthCapacity);
      expect(keptHealthy).toBe(standby.instances - 1);
      expect(Math.floor(standby.instances * (1 + maximumOverCapacity))).toBe(standby.instances);
    });

    it('elects leaders in ZooKeeper, with a takeover bounded by a short session timeout', () => {
      for (const config of [scheduler, gateway]) {
        expect(config.get('high-availability')).toBe('zookeeper');
        expect(config.get('high-availability.zookeeper.quorum')).toBe(withExampleValues('<zk-quorum>'));
      }
      // Shares ZooKeeper with other clusters only under its own node.
      expect(scheduler.get('high-availability.cluster-id')).toBe(standby.id);
      const session = scheduler.get('high-availability.zookeeper.client.session-timeout').milliseconds;
      const jobLock = gateway.get('dispatcher.job-lock-timeout').milliseconds;
      // Takeover ≈ the session timeout: lowered from the registry's 60 s, and within what a
      // ZooKeeper server with the default tickTime (2 s) grants: 2 to 20 ticks.
      expect(scheduler.source('high-availability.zookeeper.client.session-timeout')?.kind).not.toBe('default');
      expect(session).toBeGreaterThanOrEqual(4_000);
      expect(session).toBeLessThanOrEqual(40_000);
      expect(gateway.get('high-availability.zookeeper.client.session-timeout').milliseconds).toBe(session);
      // A deposed gateway's running jobs restart on the new leader once their claim lapses: no
      // later than the takeover itself.
      expect(jobLock).toBeLessThanOrEqual(session);
    });

    it('keeps job bundles in a storage folder every instance mounts from its host, read-write', () => {
      const storageDir = gateway.get('high-availability.storageDir') ?? '';
      expect(storageDir).toMatch(/^file:\/\/\//);
      const storagePath = fileURLToPath(storageDir);
      // The gateway's own rule: a path or file:// URI, bundles under <storageDir>/<cluster-id>/bundles.
      const bundles = haBundleFolderOf(analysis.properties, { confDir: join(REPOSITORY, 'conf') });
      expect(bundles).toBe(join(storagePath, scheduler.get('high-availability.cluster-id'), 'bundles'));
      // A Mesos container with no image: the task still runs /opt/mesoflow from the agent, and
      // the host volume makes the launch fail on an agent without the folder.
      expect(standby.container?.type).toBe('MESOS');
      expect(standby.container?.docker).toBeUndefined();
      const inside = (path: string, folder: string): boolean => path === folder || path.startsWith(`${folder}/`);
      const volume = standby.container?.volumes?.find((candidate) => inside(storagePath, candidate.containerPath));
      expect(volume).toEqual({ containerPath: storagePath, hostPath: storagePath, mode: 'RW' });
    });
  });

  describe('the group', () => {
    const byId = new Map(group.apps.map((app) => [app.id, app]));

    it('has one app per service, started in the application master\'s order', () => {
      expect(group.apps.map((app) => analyse(app).program).sort()).toEqual([...SERVICES].sort());
      for (const app of group.apps) {
        expect(app.id.startsWith(`${group.id}/`)).toBe(true);
        for (const dependency of app.dependencies ?? []) expect(byId.has(dependency)).toBe(true);
      }
      // Marathon starts an app once its dependencies are up; this is the start order of
      // apps/appmaster/src/cluster-children.ts.
      const order: string[] = [];
      while (order.length < group.apps.length) {
        const ready = group.apps.filter((app) => !order.includes(app.id) && (app.dependencies ?? []).every((dependency) => order.includes(dependency)));
        expect(ready).toHaveLength(1);
        order.push(ready[0].id);
      }
      expect(order.map((id) => analyse(byId.get(id)!).program)).toEqual(SERVICES);
    });

    it('points every peer address at the host and port where that peer listens', () => {
      const scheduler = group.apps.find((app) => analyse(app).program === 'scheduler')!;
      for (const app of group.apps) {
        const analysis = analyse(app);
        const peers = [...analysis.peers];
        const config = [...analysis.configs.values()][0];
        if (analysis.program === 'config-overlay' || analysis.program === 'dispatcher-gateway') {
          peers.push({ what: 'jobmanager.rpc.address:port', address: `${config.get('jobmanager.rpc.address')}:${config.get('jobmanager.rpc.port')}`, app: scheduler.id, port: (peer) => peer.rpcPort ?? -1 });
        }
        if (analysis.program === 'artifact-server') {
          expect(config.get('mesos.resourcemanager.artifactserver.advertised-host')).toBe(hostOf(app));
        }
        for (const peer of peers) {
          const target = byId.get(peer.app)!;
          expect({ app: app.id, peer: peer.what, address: peer.address }).toEqual({ app: app.id, peer: peer.what, address: `${hostOf(target)}:${peer.port(analyse(target))}` });
        }
      }
      expect(group.apps.every((app) => hostOf(app) !== undefined)).toBe(true);
    });

    it('gives an option the same value in every service that uses it', () => {
      const keys = new Set(group.apps.flatMap((app) => analyse(app).properties.map(({ key }) => key as ConfigKey)));
      for (const key of keys) {
        const values = new Map<string, string>();
        for (const app of group.apps) {
          for (const [service, config] of analyse(app).configs) if (uses(service, key)) values.set(app.id, formatted(config, key));
        }
        expect({ key, values: new Set(values.values()).size }).toEqual({ key, values: 1 });
      }
    });
  });
});
