// `npm run bench -- artifacts`: the artifact server against nginx, serving the same files from
// the page cache on loopback in the same run.
//   large: a 100 MiB file, 32 concurrent downloads (one connection each); aggregate MiB/s.
//   small: a 1 KiB file, 64 keep-alive connections each sending requests back to back for a
//          fixed time; requests per second.
// ratio = ours / nginx for large, small_rps_ratio the same for small (target: ratio >= 0.8).
//
// Three processes: this one (orchestration only), the artifact server (apps/artifact-server,
// started as it is deployed, with -D settings) and the load client (this file with --client),
// so neither server shares an event loop with the client. nginx runs with its defaults for a
// static server here: `master_process on; worker_processes auto` (one worker per CPU) and
// `sendfile on`; the artifact server is one Node process. Rounds alternate which server goes
// first; figures are medians over rounds.
import * as grpc from '@grpc/grpc-js';
import { ARTIFACTS_GRPC, grpcServiceClient } from '@mesoflow/proto';
import { freePort, waitFor } from '@mesoflow/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureNginx, startNginx, type NginxProcess } from './support/nginx';

const REPO = resolve(__dirname, '..');
const LARGE_BYTES = 100 * 1024 * 1024;
const SMALL_BYTES = 1024;
const LARGE_CONCURRENCY = 32;
const SMALL_CONNECTIONS = 64;
const SMALL_SECONDS = 3;
const TARGET_RATIO = 0.8;
const PREFIX = 'bench';

// ---------------------------------------------------------------------------------------------
// The load client (its own process): raw sockets and a minimal response parser, so the client
// costs as little CPU per byte and per request as we can make it, the same for both servers.
// ---------------------------------------------------------------------------------------------

interface ClientJob {
  kind: 'large' | 'small';
  port: number;
  path: string;
  concurrency: number;
  seconds?: number;
}

/** Downloads `path` on `concurrency` connections at once; resolves with bytes and seconds. */
async function largeDownloads(job: ClientJob): Promise<{ bytes: number; seconds: number }> {
  const started = process.hrtime.bigint();
  const sizes = await Promise.all(
    Array.from(
      { length: job.concurrency },
      () =>
        new Promise<number>((done, fail) => {
          const socket = connect(job.port, '127.0.0.1');
          let headerText = '';
          let expected = -1;
          let received = 0;
          socket.on('data', (chunk: Buffer) => {
            if (expected < 0) {
              headerText += chunk.toString('latin1');
              const end = headerText.indexOf('\r\n\r\n');
              if (end < 0) return;
              if (!headerText.startsWith('HTTP/1.1 200')) return fail(new Error(`Unexpected response: ${headerText.slice(0, 40)}`));
              expected = Number(/\r\ncontent-length: *(\d+)/i.exec(headerText)?.[1]);
              received = Buffer.byteLength(headerText, 'latin1') - end - 4;
            } else {
              received += chunk.length;
            }
            if (received >= expected) {
              socket.destroy();
              done(received);
            }
          });
          socket.on('error', fail);
          socket.write(`GET ${job.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
        }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { bytes: sizes.reduce((sum, size) => sum + size, 0), seconds };
}

/** Sends requests back to back on `concurrency` keep-alive connections for `seconds`. */
async function smallRequests(job: ClientJob): Promise<{ requests: number; seconds: number }> {
  const request = Buffer.from(`GET ${job.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  const deadline = Date.now() + (job.seconds ?? SMALL_SECONDS) * 1000;
  let completed = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from(
      { length: job.concurrency },
      () =>
        new Promise<void>((done, fail) => {
          const socket = connect(job.port, '127.0.0.1');
          socket.setNoDelay(true);
          let pending: Buffer = Buffer.alloc(0);
          socket.on('data', (chunk: Buffer) => {
            pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
            for (;;) {
              const end = pending.indexOf('\r\n\r\n');
              if (end < 0) return;
              const head = pending.toString('latin1', 0, end);
              if (!head.startsWith('HTTP/1.1 200')) return fail(new Error(`Unexpected response: ${head.slice(0, 40)}`));
              const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1]);
              if (pending.length < end + 4 + length) return;
              pending = pending.subarray(end + 4 + length);
              completed += 1;
              if (Date.now() >= deadline) {
                socket.destroy();
                done();
                return;
              }
              socket.write(request);
            }
          });
          socket.on('error', fail);
          socket.write(request);
        }),
    ),
  );
  return { requests: completed, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function clientMain(jobText: string): Promise<void> {
  const job = JSON.parse(jobText) as ClientJob;
  const result = job.kind === 'large' ? await largeDownloads(job) : await smallRequests(job);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Runs one client job in a fresh process and returns its result. */
async function runClient<T>(job: ClientJob): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--client', JSON.stringify(job)], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`The load client exited with ${code}`);
  return JSON.parse(output.trim().split('\n').at(-1)!) as T;
}

// ---------------------------------------------------------------------------------------------
// Orchestration.
// ---------------------------------------------------------------------------------------------

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function log(line: string): void {
  process.stderr.write(`[bench artifacts] ${line}\n`);
}

interface ArtifactServerProcess {
  port: number;
  stop(): Promise<void>;
}

/** apps/artifact-server as its own process, with the -D settings it is deployed with. */
async function startArtifactServerProcess(workDir: string, localRoot: string): Promise<ArtifactServerProcess & { grpcTarget: string }> {
  const port = await freePort();
  const grpcPort = await freePort();
  const key = 'mesos.resourcemanager.artifactserver';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO, 'apps/artifact-server/src/main.ts'),
      `-D${key}.port=${port}`,
      `-D${key}.grpc.port=${grpcPort}`,
      `-D${key}.bind-host=127.0.0.1`,
      `-D${key}.advertised-host=127.0.0.1`,
      `-D${key}.root=${join(workDir, 'ours')}`,
      `-D${key}.prefix=${PREFIX}`,
      `-D${key}.local-roots=${localRoot}`,
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  child.stdout!.pipe(createWriteStream(join(workDir, 'artifact-server.log')));
  const exited = once(child, 'exit');
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200, {
    timeoutMs: 60_000,
    description: 'the artifact server to be ready',
  });
  return {
    port,
    grpcTarget: `127.0.0.1:${grpcPort}`,
    stop: async () => {
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      if (code !== 0) log(`the artifact server exited with ${code}`);
    },
  };
}

/** Publishes local files through the server's gRPC API, as the scheduler would. */
async function publishFiles(target: string, files: Array<{ path: string; localPath: string }>): Promise<void> {
  const Service = grpcServiceClient(ARTIFACTS_GRPC);
  const client = new Service(target, grpc.credentials.createInsecure()) as unknown as {
    PublishFile(request: { path: string; local_path: string }, callback: (error: grpc.ServiceError | null) => void): void;
    close(): void;
  };
  try {
    for (const file of files) {
      await new Promise<void>((done, fail) =>
        client.PublishFile({ path: file.path, local_path: file.localPath }, (error: grpc.ServiceError | null) => (error ? fail(error) : done())),
      );
    }
  } finally {
    client.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
  const rounds = Number(values.rounds);
  const nginxBinary = ensureNginx(log);
  const workDir = mkdtempSync(join(tmpdir(), 'mesoflow-bench-artifacts-'));
  chmodSync(workDir, 0o755);
  const www = join(workDir, 'www');
  mkdirSync(join(www, PREFIX), { recursive: true });
  const large = join(www, PREFIX, 'large.bin');
  const small = join(www, PREFIX, 'small.txt');
  log(`writing a ${LARGE_BYTES / 1024 / 1024} MiB file and a ${SMALL_BYTES} byte file`);
  writeFileSync(large, randomBytes(LARGE_BYTES));
  writeFileSync(small, randomBytes(SMALL_BYTES / 2).toString('hex'));

  let ours: (ArtifactServerProcess & { grpcTarget: string }) | undefined;
  let nginx: NginxProcess | undefined;
  try {
    ours = await startArtifactServerProcess(workDir, www);
    await publishFiles(ours.grpcTarget, [
      { path: 'large.bin', localPath: large },
      { path: 'small.txt', localPath: small },
    ]);
    nginx = await startNginx(nginxBinary, { root: www, port: await freePort(), workDir: join(workDir, 'nginx') });
    const servers = { ours: ours.port, nginx: Number(new URL(nginx.url).port) };
    log(`ours on ${servers.ours} (1 Node process), ${nginx.version} on ${servers.nginx} (${nginx.workers} workers); ${availableParallelism()} CPUs`);

    const largeJob = (port: number): ClientJob => ({ kind: 'large', port, path: `/${PREFIX}/large.bin`, concurrency: LARGE_CONCURRENCY });
    const smallJob = (port: number): ClientJob => ({ kind: 'small', port, path: `/${PREFIX}/small.txt`, concurrency: SMALL_CONNECTIONS, seconds: SMALL_SECONDS });

    // Warm-up: page cache, JIT, connection setup.
    for (const port of [servers.ours, servers.nginx]) {
      await runClient(largeJob(port));
      await runClient({ ...smallJob(port), seconds: 1 });
    }

    const mib: Record<'ours' | 'nginx', number[]> = { ours: [], nginx: [] };
    const rps: Record<'ours' | 'nginx', number[]> = { ours: [], nginx: [] };
    for (let round = 0; round < rounds; round++) {
      const order: Array<'ours' | 'nginx'> = round % 2 === 0 ? ['ours', 'nginx'] : ['nginx', 'ours'];
      for (const name of order) {
        const result = await runClient<{ bytes: number; seconds: number }>(largeJob(servers[name]));
        if (result.bytes !== LARGE_BYTES * LARGE_CONCURRENCY) throw new Error(`${name} sent ${result.bytes} bytes, expected ${LARGE_BYTES * LARGE_CONCURRENCY}`);
        mib[name].push(result.bytes / 1024 / 1024 / result.seconds);
      }
      for (const name of order) {
        const result = await runClient<{ requests: number; seconds: number }>(smallJob(servers[name]));
        rps[name].push(result.requests / result.seconds);
      }
      log(
        `round ${round + 1}/${rounds}: large ours ${mib.ours.at(-1)!.toFixed(0)} MiB/s, nginx ${mib.nginx.at(-1)!.toFixed(0)} MiB/s; ` +
          `small ours ${rps.ours.at(-1)!.toFixed(0)} req/s, nginx ${rps.nginx.at(-1)!.toFixed(0)} req/s`,
      );
    }

    const oursMib = median(mib.ours);
    const nginxMib = median(mib.nginx);
    const oursRps = median(rps.ours);
    const nginxRps = median(rps.nginx);
    const result = {
      ours_mib_s: Math.round(oursMib),
      nginx_mib_s: Math.round(nginxMib),
      ratio: Number((oursMib / nginxMib).toFixed(3)),
      ours_small_rps: Math.round(oursRps),
      nginx_small_rps: Math.round(nginxRps),
      small_rps_ratio: Number((oursRps / nginxRps).toFixed(3)),
      target_ratio: TARGET_RATIO,
      file_mib: LARGE_BYTES / 1024 / 1024,
      downloads: LARGE_CONCURRENCY,
      small_connections: SMALL_CONNECTIONS,
      rounds,
      nginx_workers: nginx.workers,
      cpus: availableParallelism(),
    };
    log(result.ratio >= TARGET_RATIO ? `ratio ${result.ratio} meets the target ${TARGET_RATIO}` : `ratio ${result.ratio} is below the target ${TARGET_RATIO}`);
    process.stdout.write(`BENCH ${JSON.stringify(result)}\n`);
  } finally {
    await nginx?.stop();
    await ours?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--client') {
  void clientMain(process.argv[3] ?? '{}');
} else {
  main().catch((error: unknown) => {
    log(`failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  });
}
