// nginx for benchmarks: installed from Debian's packages when absent, started on a loopback
// port with a generated configuration in a temporary folder, stopped at the end.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@mesoflow/testing';

/** A running nginx. */
export interface NginxProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Worker processes it started (`worker_processes auto`: one per CPU). */
  readonly workers: number;
  readonly version: string;
  /** Stops it (SIGQUIT: finish requests, then exit) and waits for the exit. */
  stop(): Promise<void>;
}

function findNginx(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) {
    if (spawnSync(candidate, ['-v'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  const found = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/** The nginx binary, installing Debian's `nginx-light` (or `nginx`) first if there is none. */
export function ensureNginx(log: (line: string) => void): string {
  const existing = findNginx();
  if (existing) return existing;
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args: string[]): void => {
    const [command, ...rest] = [...sudo, ...args];
    execFileSync(command, rest, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  log('nginx is not installed; installing it from Debian packages (apt-get)');
  run(['apt-get', 'update', '-qq']);
  const policy = execFileSync('apt-cache', ['policy', 'nginx-light', 'nginx'], { encoding: 'utf8' });
  const hasLight = /^nginx-light:\s*\n\s*Installed:.*\n\s*Candidate: (?!\(none\))/m.test(policy);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', hasLight ? 'nginx-light' : 'nginx']);
  const installed = findNginx();
  if (!installed) throw new Error('nginx is still missing after apt-get install');
  return installed;
}

/**
 * Starts nginx serving `root` on `127.0.0.1:port`: `daemon off; master_process on;
 * worker_processes auto; sendfile on;`, no access log, keep-alive for benchmark clients.
 */
export async function startNginx(binary: string, options: { root: string; port: number; workDir: string }): Promise<NginxProcess> {
  const { root, port, workDir } = options;
  for (const folder of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(workDir, 'temp', folder), { recursive: true });
  const config = join(workDir, 'nginx.conf');
  writeFileSync(
    config,
    `daemon off;
master_process on;
worker_processes auto;
pid ${join(workDir, 'nginx.pid')};
error_log ${join(workDir, 'error.log')} warn;
${process.getuid?.() === 0 ? 'user root root;' : ''}
events {
  worker_connections 4096;
}
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  client_body_temp_path ${join(workDir, 'temp/body')};
  proxy_temp_path ${join(workDir, 'temp/proxy')};
  fastcgi_temp_path ${join(workDir, 'temp/fastcgi')};
  uwsgi_temp_path ${join(workDir, 'temp/uwsgi')};
  scgi_temp_path ${join(workDir, 'temp/scgi')};
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { }
  }
}
`,
  );
  const version = spawnSync(binary, ['-v'], { encoding: 'utf8' }).stderr.trim();
  const child: ChildProcess = spawn(binary, ['-c', config, '-p', workDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = once(child, 'exit');
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (exitedEarly) throw new Error(`nginx exited; see ${join(workDir, 'error.log')}`);
        return (await fetch(`${url}/`).catch(() => undefined)) !== undefined;
      },
      { timeoutMs: 15_000, description: 'nginx to listen' },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const masterPid = Number(readFileSync(join(workDir, 'nginx.pid'), 'utf8').trim());
  const workers = childrenOf(masterPid);
  return {
    url,
    workers,
    version,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** How many processes have `pid` as their parent (from /proc; 0 where there is none). */
function childrenOf(pid: number): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) count += 1;
    } catch {
      // The process ended while we looked.
    }
  }
  return count;
}
