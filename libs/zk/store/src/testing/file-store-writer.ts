// Crash-test child for file-worker-store.int-spec.ts: writes workers in a loop until killed and
// prints `created <taskId>` / `launched <taskId>` after each write resolves (i.e. was accepted).
// Usage: node --import tsx file-store-writer.ts <folder>
import { FileWorkerStore } from '../file-worker-store';
import { launched } from '../worker';

async function main(folder: string): Promise<void> {
  const store = await FileWorkerStore.open(folder);
  for (let i = 0; ; i++) {
    const worker = await store.newWorker({ cpus: 1, mem: 1024, ports: 1 });
    process.stdout.write(`created ${worker.taskId}\n`);
    await store.update(launched(worker, { agentId: `agent-${i % 3}`, hostname: 'h', ports: [31000 + i] }));
    if (i % 2 === 0) await store.release(worker.taskId);
    process.stdout.write(`launched ${worker.taskId}\n`);
  }
}

main(process.argv[2] ?? '').catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
