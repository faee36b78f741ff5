// Helpers for the agent's own tests: temp work dirs, task specs, and a file server that counts
// requests. Not part of the library's API.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mesos } from '@mesoflow/proto';
import {
  launchCommandTask,
  type CommandTaskHandle,
  type CommandTaskOptions,
  type CommandTaskSpec,
  type CommandTaskUpdate,
} from './command-task';

/** A fresh temporary folder, removed by the returned `cleanup`. */
export async function tempDir(
  prefix = 'mesoflow-agent-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A command task spec with unique ids under `workDir`. */
export function commandTaskSpec(
  workDir: string,
  command: mesos.v1.CommandInfo.$Properties,
  overrides: Partial<CommandTaskSpec> & {
    taskExtras?: Partial<mesos.v1.TaskInfo.$Properties>;
  } = {},
): CommandTaskSpec {
  const { taskExtras, ...specOverrides } = overrides;
  const taskId = `task-${randomUUID().slice(0, 8)}`;
  return {
    frameworkId: 'M-0000',
    agentId: 'M-S0',
    agentHostname: 'localhost',
    agentPort: 5051,
    executorId: taskId,
    containerId: randomUUID(),
    workDir,
    task: {
      name: taskId,
      task_id: { value: taskId },
      agent_id: { value: 'M-S0' },
      resources: [
        {
          name: 'cpus',
          type: mesos.v1.Value.Type.SCALAR,
          scalar: { value: 0.1 },
          allocation_info: { role: 'my-role' },
        },
      ],
      command,
      ...taskExtras,
    },
    ...specOverrides,
  };
}

/** A launched task together with every update it reported so far. */
export interface RunningTask {
  handle: CommandTaskHandle;
  updates: CommandTaskUpdate[];
  states: () => string[];
  /** Reads a file of the sandbox as text. */
  read: (name: string) => Promise<string>;
}

/** Launches a task and records its updates. */
export function runTask(spec: CommandTaskSpec, options?: CommandTaskOptions): RunningTask {
  const updates: CommandTaskUpdate[] = [];
  const handle = launchCommandTask(spec, (update) => updates.push(update), options);
  return {
    handle,
    updates,
    states: () => updates.map((update) => update.state),
    read: (name) => readFile(join(handle.sandboxDir, name), 'utf8'),
  };
}

/** A route of {@link FileServer}: a body, or a handler for anything unusual. */
export type Route = Buffer | string | ((req: IncomingMessage, res: ServerResponse) => void);

/** A loopback HTTP server serving fixed routes and counting requests per path. */
export interface FileServer {
  url: (path: string) => string;
  hits: Map<string, number>;
  close: () => Promise<void>;
}

/** Starts a {@link FileServer} on `port`; unknown paths answer 404. */
export async function serveFiles(port: number, routes: Record<string, Route>): Promise<FileServer> {
  const hits = new Map<string, number>();
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (route === undefined) {
      res.writeHead(404).end('not found');
    } else if (typeof route === 'function') {
      open.add(res);
      res.once('close', () => open.delete(res));
      route(req, res);
    } else {
      const body = typeof route === 'string' ? Buffer.from(route) : route;
      res.writeHead(200, { 'content-length': body.length }).end(body);
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** True when process `pid` no longer runs (gone, or a zombie waiting for its reaper). */
export async function processGone(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name.
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
