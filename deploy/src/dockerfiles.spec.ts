// The Dockerfiles in deploy/docker, checked without a Docker engine: what they copy exists in the
// build context (and is not ignored), their scripts exist, their base image is pinned Node 20.
import { CONFIG_OPTIONS } from '@mesoflow/config';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEPLOY, INSTALLATION, instructionWords, isIgnored, parseDockerfile, REPOSITORY, type DockerInstruction } from './definitions';

const IMAGES = ['taskmanager', 'appmaster'] as const;

function dockerfile(image: (typeof IMAGES)[number]): { instructions: DockerInstruction[]; ignore: string } {
  const path = join(DEPLOY, `docker/Dockerfile.${image}`);
  return { instructions: parseDockerfile(readFileSync(path, 'utf8')), ignore: readFileSync(`${path}.dockerignore`, 'utf8') };
}

/** The sources of a COPY/ADD from the build context; undefined for `COPY --from=<stage>`. */
function contextSources(instruction: DockerInstruction): string[] | undefined {
  const words = instructionWords(instruction.text.replace(/^(--[a-z-]+=\S+\s+)+/, (options) => (options.includes('--from=') ? '--from ' : '')));
  if (words[0] === '--from') return undefined;
  return words.slice(0, -1).map((source) => source.replace(/^\.\/|\/$/g, ''));
}

function env(instructions: readonly DockerInstruction[], name: string): string | undefined {
  const last = instructions.filter((i) => i.instruction === 'ENV' && i.text.startsWith(`${name}=`)).at(-1);
  return last?.text.slice(name.length + 1).split(/\s+/)[0];
}

describe('the simple Dockerfile parser', () => {
  it('joins continuations and drops comments', () => {
    expect(parseDockerfile('# c\nFROM a AS b\nRUN x \\\n  # inside\n && y\nCOPY ["p q", "/r"]\n')).toEqual([
      { instruction: 'FROM', text: 'a AS b', line: 2 },
      { instruction: 'RUN', text: 'x && y', line: 3 },
      { instruction: 'COPY', text: '["p q", "/r"]', line: 6 },
    ]);
  });

  it('applies ignore patterns as Docker does for ours', () => {
    const ignore = '**/node_modules\ndist\ndeploy\n!deploy/docker/build-distribution.mjs\n';
    expect(isIgnored(ignore, 'libs/x/node_modules/y.js')).toBe(true);
    expect(isIgnored(ignore, 'dist/scheduler/main.js')).toBe(true);
    expect(isIgnored(ignore, 'deploy/README.md')).toBe(true);
    expect(isIgnored(ignore, 'deploy/docker/build-distribution.mjs')).toBe(false);
    expect(isIgnored(ignore, 'apps/scheduler/src/main.ts')).toBe(false);
  });
});

describe.each(IMAGES)('Dockerfile.%s', (image) => {
  const { instructions, ignore } = dockerfile(image);

  it('builds on a pinned Node 20 slim image', () => {
    const bases = instructions.filter((i) => i.instruction === 'FROM').map((i) => i.text.split(/\s+/)[0]);
    expect(bases.length).toBeGreaterThan(0);
    // A full version (or digest), never `node:20`, `lts` or `latest`: a rebuild gets the same Node.
    for (const base of bases) expect(base).toMatch(/^node:20\.\d+\.\d+-(bookworm|bullseye)-slim(@sha256:[0-9a-f]{64})?$/);
  });

  it('copies only files that exist in the repository and are not ignored', () => {
    const sources = instructions.filter((i) => i.instruction === 'COPY' || i.instruction === 'ADD').flatMap((i) => contextSources(i) ?? []);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect({ source, exists: existsSync(join(REPOSITORY, source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: isIgnored(ignore, source) }).toEqual({ source, ignored: false });
    }
    // ADD fetches URLs and unpacks archives; nothing here needs that.
    expect(instructions.filter((i) => i.instruction === 'ADD')).toEqual([]);
  });

  it('runs only repository scripts that it copied in', () => {
    const copied = instructions.filter((i) => i.instruction === 'COPY').flatMap((i) => contextSources(i) ?? []);
    const scripts = instructions.filter((i) => i.instruction === 'RUN').flatMap((i) => i.text.split(/\s+/)).filter((word) => /^(tools|deploy|bin)\/\S+\.(mjs|js|sh)$/.test(word));
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      expect(existsSync(join(REPOSITORY, script))).toBe(true);
      expect({ script, copied: copied.some((source) => script === source || script.startsWith(`${source}/`)) }).toEqual({ script, copied: true });
    }
  });

  it('has an entry point that is an executable script of the installation', () => {
    const [entrypoint] = instructions.filter((i) => i.instruction === 'ENTRYPOINT').map((i) => instructionWords(i.text));
    expect(entrypoint).toHaveLength(1);
    const script = entrypoint[0];
    expect(script).toBe(`${INSTALLATION}/bin/mesos-${image}.sh`);
    const inRepository = join(REPOSITORY, relative(INSTALLATION, script));
    accessSync(inRepository, constants.X_OK);
    expect(env(instructions, 'MESOFLOW_HOME')).toBe(INSTALLATION);
  });
});

describe('Dockerfile.taskmanager', () => {
  const { instructions } = dockerfile('taskmanager');

  it('puts the entry script where the default TaskManager command looks for it', () => {
    // With container type docker, Mesos runs `exec <taskmanager-cmd>` through /bin/sh in the image.
    const command = String(CONFIG_OPTIONS['mesos.resourcemanager.tasks.taskmanager-cmd'].default);
    expect(command.replace('$MESOFLOW_HOME', env(instructions, 'MESOFLOW_HOME') ?? '(unset)')).toBe(`${INSTALLATION}/bin/mesos-taskmanager.sh`);
  });

  it('runs on plain Node: the final stage has neither node_modules nor tsx', () => {
    const stages = instructions.reduce<DockerInstruction[][]>((all, i) => (i.instruction === 'FROM' ? [...all, [i]] : [...all.slice(0, -1), [...(all.at(-1) ?? []), i]]), []);
    const final = stages.at(-1) ?? [];
    expect(final.filter((i) => i.instruction === 'RUN')).toEqual([]);
    expect(final.filter((i) => i.instruction === 'COPY').map((i) => i.text)).toEqual([`--from=build ${INSTALLATION} ${INSTALLATION}`]);
  });
});

describe('Dockerfile.appmaster', () => {
  const { instructions } = dockerfile('appmaster');

  it('installs the devDependencies while bin/mesos-appmaster.sh runs the services through tsx', () => {
    const script = readFileSync(join(REPOSITORY, 'bin/mesos-appmaster.sh'), 'utf8');
    const installs = instructions.filter((i) => i.instruction === 'RUN' && /\bnpm ci\b/.test(i.text));
    expect(installs).toHaveLength(1);
    // --omit=dev would leave out tsx; once the script runs bundles instead, this can change.
    if (script.includes('tsx')) expect(installs[0].text).not.toMatch(/--omit[= ]dev|--production/);
  });
});
