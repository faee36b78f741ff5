// The one generation step for proto/**: a static protobufjs module plus its TypeScript
// declarations, written into libs/proto/src/generated (not committed).
//
// Flags and why:
//   --keep-case     fields keep their proto names (snake_case), which is exactly Mesos' JSON
//                   mapping, so one set of types serves both application/x-protobuf and
//                   application/json.
//   --force-number  64-bit integers as JS numbers: Mesos' JSON writes them as numbers, and
//                   every 64-bit field we use (timestamps, byte counts) fits in 2^53.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const protoRoot = join(root, 'proto');
const outDir = join(root, 'libs/proto/src/generated');
const bin = (name) => join(root, 'node_modules/.bin', name);

function protoFiles(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return protoFiles(path);
    return entry.endsWith('.proto') ? [path] : [];
  });
}

const files = protoFiles(protoRoot).sort();
if (files.length === 0) throw new Error(`No .proto files under ${protoRoot}`);
mkdirSync(outDir, { recursive: true });
const js = join(outDir, 'protos.js');
execFileSync(
  bin('pbjs'),
  ['-t', 'static-module', '-w', 'commonjs', '--keep-case', '--force-number', '-p', protoRoot, '-o', js, ...files],
  { cwd: protoRoot, stdio: 'inherit' },
);
execFileSync(bin('pbts'), ['-o', join(outDir, 'protos.d.ts'), js], { stdio: 'inherit' });
// The reflection descriptor drives Mesos' own JSON mapping (explicit defaults, required
// fields, enum names), which the static classes alone cannot express.
execFileSync(
  bin('pbjs'),
  ['-t', 'json', '--keep-case', '-p', protoRoot, '-o', join(outDir, 'protos.json'), ...files],
  { cwd: protoRoot, stdio: 'inherit' },
);
console.log(`Generated ${relative(root, js)} from ${files.length} proto files`);
