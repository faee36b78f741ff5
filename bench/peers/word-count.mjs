// The dataflow benchmark's peer: WordCount as a plain single Node process would do it, with the
// same tokenizer as examples/batch/word-count.ts. Plain JavaScript, so no transpiler stands
// between it and V8.
//   node bench/peers/word-count.mjs INPUT OUTPUT.json
// Writes { word: count } to OUTPUT.json and prints {"elapsed_ms": ...}: from opening the input
// to the last count.
import { createReadStream, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [input, output] = process.argv.slice(2);
const words = (line) => line.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];

const started = performance.now();
const counts = new Map();
let rest = '';
for await (const chunk of createReadStream(input, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
  const lines = (rest + chunk).split('\n');
  rest = lines.pop();
  for (const line of lines) for (const word of words(line)) counts.set(word, (counts.get(word) ?? 0) + 1);
}
for (const word of words(rest)) counts.set(word, (counts.get(word) ?? 0) + 1);
const elapsed = performance.now() - started;
writeFileSync(output, JSON.stringify(Object.fromEntries(counts)));
console.log(JSON.stringify({ elapsed_ms: elapsed }));
