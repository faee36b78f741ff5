// Runtime-mode program loading. The execution context is process-wide, so loads run one at a
// time; programs are cached per (bundle SHA-256, arguments, default parallelism, bundle reference).
import { loadRuntimeProgram, type BundleReference, type RuntimeProgram } from '@mesoflow/dataflow-api';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** Runs the module at `path` afresh (its top level must run again for every load). */
export type ModuleLoader = (path: string) => unknown;

/**
 * The default loader: `.mjs` through `import()` with a fresh URL, everything else through Node's
 * `require` with the module dropped from the cache first.
 */
export const nodeModuleLoader: ModuleLoader = (path) => {
  if (path.endsWith('.mjs')) return import(`${pathToFileURL(path).href}?load=${Date.now()}-${Math.random()}`);
  const load = createRequire(path);
  delete load.cache[load.resolve(path)];
  return load(path);
};

/** What a load needs. */
export interface ProgramRequest {
  /** Local path of the bundle, its SHA-256 checked. */
  readonly path: string;
  readonly sha256: string;
  /** `program_args`, seen by the program as `process.argv.slice(2)`. */
  readonly args: readonly string[];
  /** The submitted graph's bundle reference and default parallelism, so the rebuilt graph equals it. */
  readonly bundle: BundleReference | undefined;
  readonly defaultParallelism: number | undefined;
  readonly timeoutMs?: number;
}

/**
 * Runs `work` with `process.argv` set to `[node, path, ...args]`, the way the client ran the
 * program, and restores it once `work` settles. Callers must not overlap (the loader serializes).
 */
export async function withProgramArgs<T>(path: string, args: readonly string[], work: () => Promise<T>): Promise<T> {
  const saved = process.argv;
  process.argv = [saved[0] ?? process.execPath, path, ...args];
  try {
    return await work();
  } finally {
    process.argv = saved;
  }
}

const CACHE_SIZE = 16;

/** Loads programs in runtime mode, one at a time, with a small cache. */
export class ProgramLoader {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly cache = new Map<string, Promise<RuntimeProgram>>();

  constructor(private readonly loadModule: ModuleLoader = nodeModuleLoader) {}

  load(request: ProgramRequest): Promise<RuntimeProgram> {
    const key = JSON.stringify([request.sha256, request.args, request.defaultParallelism ?? null, request.bundle?.path ?? null, request.bundle?.sha256 ?? null]);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      // Most recently used last.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const loading = this.serialized(() =>
      withProgramArgs(request.path, request.args, () =>
        loadRuntimeProgram(() => this.loadModule(request.path), {
          ...(request.bundle === undefined ? {} : { bundle: request.bundle }),
          ...(request.defaultParallelism === undefined ? {} : { defaultParallelism: request.defaultParallelism }),
          ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
        }),
      ),
    );
    this.cache.set(key, loading);
    loading.catch(() => this.cache.delete(key));
    while (this.cache.size > CACHE_SIZE) {
      const oldest = this.cache.keys().next();
      if (oldest.done === true) break;
      this.cache.delete(oldest.value);
    }
    return loading;
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
