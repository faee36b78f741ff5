// `npm run bench -- exchange`: records/s through the data exchange between two TaskManager
// processes over loopback, against a plain TCP socket between the same two processes.
//   exchange  the producer process registers a result partition with one subpartition on its
//             exchange server (grpc-js) and writes RECORDS records of 100 bytes, awaiting each
//             write (backpressure); this process reads them through an ExchangeClient input
//             channel (credit-based, 32 KiB buffers, 5 ms flush timeout: the defaults).
//   tcp       the peer and ceiling: the producer process packs the same records, 4-byte length
//             prefixed, into 32 KiB chunks and writes them to a net.Socket (awaiting 'drain'
//             when the socket is full); this process splits the stream back into records.
// Both consumers take a view of every record and check its sequence number, so the per-record
// work on the reading side is the same. Each run is a fresh producer process
// (`node --import tsx`), timed from the consumer connecting to the last record read. Runs
// alternate which variant goes first; figures are medians over rounds.
// ratio = exchange / tcp records/s; the target is exchange >= 500,000 records/s.
import { ExchangeClient, addDataExchangeService, PartitionRegistry, isRecord } from '@mesoflow/dataflow-exchange';
import { freePort } from '@mesoflow/testing';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { resolve } from 'node:path';

const REPO = resolve(__dirname, '..');
const RECORDS = Number(process.env.BENCH_EXCHANGE_RECORDS ?? 2_000_000);
const RECORD_BYTES = 100;
const ROUNDS = 5;
const TARGET_RECORDS_PER_S = 500_000;
const CHUNK_BYTES = 32 * 1024;
const PRODUCER = { jobId: 'bench', vertexId: 'source', subtaskIndex: 0, attempt: 0 };
const CONSUMER = { jobId: 'bench', vertexId: 'sink', subtaskIndex: 0, attempt: 0 };

type Variant = 'exchange' | 'tcp';

interface ProducerJob {
  variant: Variant;
  port: number;
  records: number;
}

function makeRecord(): Buffer {
  return Buffer.alloc(RECORD_BYTES, 0x61);
}

// ---------------------------------------------------------------------------------------------
// The producer process.
// ---------------------------------------------------------------------------------------------

async function produceExchange(job: ProducerJob): Promise<void> {
  const registry = new PartitionRegistry();
  const server = new Server();
  addDataExchangeService(server, registry);
  await new Promise<void>((done, fail) => server.bindAsync(`127.0.0.1:${job.port}`, ServerCredentials.createInsecure(), (error) => (error ? fail(error) : done())));
  const partition = registry.createPartition(PRODUCER, 1);
  process.stdout.write('READY\n');
  const record = makeRecord();
  for (let sequence = 0; sequence < job.records; sequence++) {
    record.writeUInt32BE(sequence, 0);
    await partition.write(record, 0);
  }
  await partition.finish();
  await new Promise<void>((done) => server.tryShutdown(() => done()));
}

async function produceTcp(job: ProducerJob): Promise<void> {
  const server = createServer();
  server.listen(job.port, '127.0.0.1');
  await once(server, 'listening');
  process.stdout.write('READY\n');
  const [socket] = (await once(server, 'connection')) as [Socket];
  const record = makeRecord();
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let position = 0;
  const frame = 4 + RECORD_BYTES;
  for (let sequence = 0; sequence < job.records; sequence++) {
    if (position + frame > CHUNK_BYTES) {
      if (!socket.write(chunk.subarray(0, position))) await once(socket, 'drain');
      chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      position = 0;
    }
    record.writeUInt32BE(sequence, 0);
    chunk.writeUInt32BE(RECORD_BYTES, position);
    record.copy(chunk, position + 4);
    position += frame;
  }
  socket.end(chunk.subarray(0, position));
  await once(socket, 'close');
  server.close();
}

// ---------------------------------------------------------------------------------------------
// The consumer (this process).
// ---------------------------------------------------------------------------------------------

function checkSequence(record: Buffer, expected: number): void {
  if (record.length !== RECORD_BYTES || record.readUInt32BE(0) !== (expected >>> 0)) {
    throw new Error(`record ${expected} arrived out of order or damaged`);
  }
}

async function consumeExchange(port: number): Promise<number> {
  const client = new ExchangeClient();
  try {
    const channel = client.openChannel(`127.0.0.1:${port}`, { partition: PRODUCER, subpartition: 0, consumer: CONSUMER });
    let count = 0;
    for (let batch = await channel.readBatch(); batch !== null; batch = await channel.readBatch()) {
      for (const element of batch) {
        if (!isRecord(element)) throw new Error(`unexpected ${element.kind}`);
        checkSequence(element, count++);
      }
    }
    return count;
  } finally {
    client.close();
  }
}

async function consumeTcp(port: number): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  let count = 0;
  let pending: Buffer | undefined;
  for await (const data of socket as AsyncIterable<Buffer>) {
    let chunk = pending ? Buffer.concat([pending, data]) : data;
    pending = undefined;
    let position = 0;
    const records: Buffer[] = [];
    while (position + 4 <= chunk.length) {
      const length = chunk.readUInt32BE(position);
      if (position + 4 + length > chunk.length) break;
      records.push(chunk.subarray(position + 4, position + 4 + length));
      position += 4 + length;
    }
    if (position < chunk.length) pending = chunk.subarray(position);
    chunk = data;
    for (const record of records) checkSequence(record, count++);
  }
  if (pending) throw new Error('the TCP stream ended inside a record');
  return count;
}

/** Runs one variant with a fresh producer process; returns records/s. */
async function runOnce(variant: Variant): Promise<number> {
  const port = await freePort();
  const job: ProducerJob = { variant, port, records: RECORDS };
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--producer', JSON.stringify(job)], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  await new Promise<void>((done, fail) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('READY\n')) done();
    });
    child.once('exit', (code) => fail(new Error(`the ${variant} producer exited with ${code} before it was ready`)));
  });
  const started = process.hrtime.bigint();
  const count = variant === 'exchange' ? await consumeExchange(port) : await consumeTcp(port);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [code] = (await exited) as [number | null];
  if (code !== 0) throw new Error(`the ${variant} producer exited with ${code}`);
  if (count !== RECORDS) throw new Error(`${variant}: ${count} of ${RECORDS} records arrived`);
  return count / seconds;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function log(line: string): void {
  process.stderr.write(`[bench exchange] ${line}\n`);
}

async function main(): Promise<void> {
  const samples: Record<Variant, number[]> = { exchange: [], tcp: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order: Variant[] = round % 2 === 0 ? ['exchange', 'tcp'] : ['tcp', 'exchange'];
    for (const variant of order) {
      const rate = await runOnce(variant);
      samples[variant].push(rate);
      log(`round ${round + 1}/${ROUNDS} ${variant}: ${Math.round(rate).toLocaleString('en-US')} records/s`);
    }
  }
  const exchange = Math.round(median(samples.exchange));
  const tcp = Math.round(median(samples.tcp));
  const ratio = exchange / tcp;
  const mibPerS = (rate: number): number => Math.round(((rate * RECORD_BYTES) / 1024 / 1024) * 10) / 10;
  console.log(`${RECORDS.toLocaleString('en-US')} records of ${RECORD_BYTES} bytes, producer process -> consumer process over loopback, median of ${ROUNDS} rounds`);
  console.log(`${'variant'.padEnd(12)}${'records/s'.padStart(14)}${'MiB/s'.padStart(10)}`);
  console.log(`${'exchange'.padEnd(12)}${exchange.toLocaleString('en-US').padStart(14)}${mibPerS(exchange).toFixed(1).padStart(10)}`);
  console.log(`${'tcp'.padEnd(12)}${tcp.toLocaleString('en-US').padStart(14)}${mibPerS(tcp).toFixed(1).padStart(10)}`);
  const met = exchange >= TARGET_RECORDS_PER_S;
  console.log(`ratio ${ratio.toFixed(3)}; exchange ${met ? 'meets' : 'does NOT meet'} the target of ${TARGET_RECORDS_PER_S.toLocaleString('en-US')} records/s`);
  const result = {
    ratio: Math.round(ratio * 1000) / 1000,
    exchange_records_per_s: exchange,
    tcp_records_per_s: tcp,
    target_records_per_s: TARGET_RECORDS_PER_S,
    target_met: met,
    exchange_samples: samples.exchange.map(Math.round),
    tcp_samples: samples.tcp.map(Math.round),
    records: RECORDS,
    record_bytes: RECORD_BYTES,
    rounds: ROUNDS,
  };
  console.log(`BENCH ${JSON.stringify(result)}`);
}

const producerIndex = process.argv.indexOf('--producer');
if (producerIndex >= 0) {
  const job = JSON.parse(process.argv[producerIndex + 1]) as ProducerJob;
  (job.variant === 'exchange' ? produceExchange(job) : produceTcp(job)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
