// `npm run bench -- recordio`: what the RecordIO layer costs a scheduler reading the Mesos event
// stream. The same binary-protobuf events are decoded three ways:
//   bare       `Event.decode` on each event's bytes, no framing at all (the floor);
//   per-record the framed stream fed to a RecordIoDecoder one record per chunk, which is how the
//              master writes the stream (one HTTP chunk per event);
//   64k        the framed stream fed in 64 KiB chunks, so records straddle chunk boundaries and
//              the decoder has to assemble some of them.
// Every record the decoder returns is decoded with `Event.decode`, so "ours" is framing plus the
// same protobuf work as "bare". ratio = bare time / ours time (the worse of the two chunkings);
// 0.9 means framing adds about 10%.
//
// Framing (encodeRecords) happens on the master side and is measured separately, outside the
// ratio. The machine is small and noisy, so the variants run interleaved in rotating order and
// the figures are medians over rounds.
import { RecordIoDecoder, encodeRecord, encodeRecords } from '@mesoflow/mesos-recordio';
import { mesos } from '@mesoflow/proto';
import { seededRandom } from '@mesoflow/testing';

const Event = mesos.v1.scheduler.Event;

/** How many events one pass decodes: 70% UPDATE, 10% OFFERS (10 offers each), 20% HEARTBEAT. */
const EVENT_COUNT = 5_000;
const OFFERS_PER_EVENT = 10;
const CHUNK_BYTES = 64 * 1024;
const WARMUP_PASSES = 30;
const ROUNDS = 61;
/** Passes per timed sample, so that one sample lasts well above timer and scheduler jitter. */
const PASSES_PER_SAMPLE = 2;
const TARGET_RATIO = 0.9;

function uuidBytes(random: () => number): Uint8Array {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  return bytes;
}

function uuidString(random: () => number): string {
  const hex = Buffer.from(uuidBytes(random)).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const FRAMEWORK_ID = { value: 'b1f7c4e2-5d0a-4c57-9a3e-2f6d8e1b7c90-0000' };
const AGENTS = 100;
const TASK_STATES = [
  mesos.v1.TaskState.TASK_STARTING,
  mesos.v1.TaskState.TASK_RUNNING,
  mesos.v1.TaskState.TASK_FINISHED,
] as const;

function agentId(index: number): { value: string } {
  return { value: `${FRAMEWORK_ID.value.slice(0, 36)}-S${index}` };
}

function scalar(name: string, value: number): mesos.v1.Resource.$Properties {
  return {
    name,
    type: mesos.v1.Value.Type.SCALAR,
    scalar: { value },
    role: '*',
    allocation_info: { role: '*' },
  };
}

function updateEvent(random: () => number, sequence: number): mesos.v1.scheduler.Event {
  const agent = Math.floor(random() * AGENTS);
  const taskId = `taskmanager-${String(sequence % 1000).padStart(5, '0')}.${uuidString(random)}`;
  return new Event({
    type: Event.Type.UPDATE,
    update: {
      status: {
        task_id: { value: taskId },
        state: TASK_STATES[sequence % TASK_STATES.length],
        message: 'Command exited with status 0',
        agent_id: agentId(agent),
        timestamp: 1_763_900_000 + sequence / 1000,
        executor_id: { value: taskId },
        source: mesos.v1.TaskStatus.Source.SOURCE_EXECUTOR,
        uuid: uuidBytes(random),
        container_status: {
          container_id: { value: uuidString(random) },
          executor_pid: 10_000 + sequence,
        },
      },
    },
  });
}

function offer(random: () => number, sequence: number): mesos.v1.Offer.$Properties {
  const agent = Math.floor(random() * AGENTS);
  const host = `agent-${agent}.mesos.local`;
  const portsFrom = 31_000 + Math.floor(random() * 200);
  return {
    id: { value: `${FRAMEWORK_ID.value.slice(0, 36)}-O${sequence}` },
    framework_id: FRAMEWORK_ID,
    agent_id: agentId(agent),
    hostname: host,
    url: {
      scheme: 'http',
      address: { hostname: host, ip: `10.0.${agent >> 8}.${agent & 0xff}`, port: 5051 },
      path: '/slave(1)',
    },
    resources: [
      scalar('cpus', 4 - Math.floor(random() * 4) * 0.5),
      scalar('mem', 8192 - Math.floor(random() * 8) * 512),
      scalar('disk', 20_000),
      {
        name: 'ports',
        type: mesos.v1.Value.Type.RANGES,
        ranges: {
          range: [
            { begin: 31_000, end: portsFrom - 1 },
            { begin: portsFrom + 10, end: 32_000 },
          ],
        },
        role: '*',
        allocation_info: { role: '*' },
      },
    ],
    attributes: [
      { name: 'rack', type: mesos.v1.Value.Type.TEXT, text: { value: `rack-${agent % 8}` } },
      { name: 'zone', type: mesos.v1.Value.Type.TEXT, text: { value: `zone-${agent % 3}` } },
      { name: 'disk_type', type: mesos.v1.Value.Type.SET, set: { item: ['ssd', 'nvme'] } },
      { name: 'generation', type: mesos.v1.Value.Type.SCALAR, scalar: { value: 3 } },
    ],
    allocation_info: { role: '*' },
  };
}

function offersEvent(random: () => number, sequence: number): mesos.v1.scheduler.Event {
  const offers = Array.from({ length: OFFERS_PER_EVENT }, (_, i) =>
    offer(random, sequence * OFFERS_PER_EVENT + i),
  );
  return new Event({ type: Event.Type.OFFERS, offers: { offers } });
}

/** The binary-protobuf bodies of the event mix, each in its own buffer as a stream would hold it. */
function buildEvents(): Buffer[] {
  const random = seededRandom(0x5eed);
  const events: Buffer[] = [];
  for (let i = 0; i < EVENT_COUNT; i++) {
    const slot = i % 10;
    const event =
      slot < 7
        ? updateEvent(random, i)
        : slot === 7
          ? offersEvent(random, i)
          : new Event({ type: Event.Type.HEARTBEAT });
    events.push(Buffer.from(Event.encode(event).finish()));
  }
  return events;
}

/** Keeps every decoded event observable, so the JIT cannot drop the decoding. */
let sink = 0;

function consume(event: mesos.v1.scheduler.Event): void {
  sink += event.type;
}

function decodeBare(events: readonly Buffer[]): void {
  for (const bytes of events) consume(Event.decode(bytes));
}

function decodeFramed(chunks: readonly Buffer[]): void {
  const decoder = new RecordIoDecoder();
  for (const chunk of chunks) {
    for (const record of decoder.write(chunk)) consume(Event.decode(record));
  }
  decoder.end();
}

function splitIntoChunks(stream: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < stream.length; offset += size) {
    chunks.push(stream.subarray(offset, offset + size));
  }
  return chunks;
}

interface Variant {
  readonly name: string;
  readonly run: () => void;
}

function timeSample(run: () => void): number {
  const start = process.hrtime.bigint();
  for (let pass = 0; pass < PASSES_PER_SAMPLE; pass++) run();
  return Number(process.hrtime.bigint() - start) / 1e6 / PASSES_PER_SAMPLE;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function main(): void {
  const events = buildEvents();
  const perRecordChunks = events.map((bytes) => encodeRecord(bytes));
  const stream = encodeRecords(events);
  const chunks64k = splitIntoChunks(stream, CHUNK_BYTES);
  const eventBytes = events.reduce((sum, bytes) => sum + bytes.length, 0);

  const variants: Variant[] = [
    { name: 'bare', run: () => decodeBare(events) },
    { name: 'per-record', run: () => decodeFramed(perRecordChunks) },
    { name: '64k', run: () => decodeFramed(chunks64k) },
    { name: 'framing', run: () => void encodeRecords(events) },
  ];

  for (let pass = 0; pass < WARMUP_PASSES; pass++) {
    for (const variant of variants) variant.run();
  }

  const samples = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so that no variant always runs right after a GC-heavy one.
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(round + i) % variants.length];
      samples.get(variant.name)?.push(timeSample(variant.run));
    }
  }

  const ms = (name: string): number => median(samples.get(name) ?? []);
  const bareMs = ms('bare');
  const perRecordMs = ms('per-record');
  const chunkedMs = ms('64k');
  const framingMs = ms('framing');
  const worstMs = Math.max(perRecordMs, chunkedMs);
  // The same ratio taken within each round, where bare and ours ran seconds apart: steadier when
  // the machine's speed drifts during the run.
  const pairedRatio = (name: string): number => {
    const bare = samples.get('bare') ?? [];
    return median((samples.get(name) ?? []).map((value, round) => bare[round] / value));
  };
  const pairedWorst = Math.min(pairedRatio('per-record'), pairedRatio('64k'));
  const perSecond = (milliseconds: number): number => Math.round((EVENT_COUNT / milliseconds) * 1000);

  const rows: Array<[string, number]> = [
    ['bare Event.decode', bareMs],
    ['RecordIO, 1 record/chunk', perRecordMs],
    [`RecordIO, ${CHUNK_BYTES / 1024} KiB chunks`, chunkedMs],
    ['framing only (encodeRecords)', framingMs],
  ];
  console.log(
    `RecordIO decode vs bare protobuf decode: ${EVENT_COUNT} events, ` +
      `${(eventBytes / 1024 / 1024).toFixed(1)} MiB, median of ${ROUNDS} rounds`,
  );
  console.log(`${'variant'.padEnd(32)}${'ms/pass'.padStart(10)}${'events/s'.padStart(14)}${'vs bare'.padStart(10)}`);
  for (const [label, value] of rows) {
    console.log(
      `${label.padEnd(32)}${value.toFixed(2).padStart(10)}${perSecond(value).toLocaleString('en-US').padStart(14)}` +
        `${(bareMs / value).toFixed(3).padStart(10)}`,
    );
  }
  const ratio = bareMs / worstMs;
  console.log(`ratio ${ratio.toFixed(3)} (target >= ${TARGET_RATIO}) ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}`);

  const result = {
    ratio: round3(ratio),
    events_per_s: perSecond(worstMs),
    ratio_per_record_chunks: round3(bareMs / perRecordMs),
    ratio_64k_chunks: round3(bareMs / chunkedMs),
    ratio_paired_median: round3(pairedWorst),
    bare_events_per_s: perSecond(bareMs),
    per_record_events_per_s: perSecond(perRecordMs),
    chunked_64k_events_per_s: perSecond(chunkedMs),
    framing_events_per_s: perSecond(framingMs),
    events: EVENT_COUNT,
    mib: round3(eventBytes / 1024 / 1024),
    rounds: ROUNDS,
    target: TARGET_RATIO,
    checksum: sink % 1_000_003,
  };
  console.log(`BENCH ${JSON.stringify(result)}`);
}

main();
