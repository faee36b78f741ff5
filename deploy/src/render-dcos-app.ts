// Renders the DC/OS package's Marathon app for a Marathon without DC/OS, with the same defaults
// and validation as `dcos package install`:
//   node --import tsx deploy/src/render-dcos-app.ts [options.json] > mesoflow-app.json
// Exit 1 with one line per problem when the options do not fit config.json.
import { readFileSync } from 'node:fs';
import { PackageOptionsError, renderMarathonApp, type JsonObject } from './dcos-package';

const USAGE = 'usage: node --import tsx deploy/src/render-dcos-app.ts [options.json] > mesoflow-app.json';

function readOptions(path: string | undefined): JsonObject {
  if (path === undefined) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PackageOptionsError([`options file '${path}' cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); ${USAGE}`]);
  }
  try {
    return JSON.parse(text) as JsonObject;
  } catch (error) {
    throw new PackageOptionsError([`options file '${path}' is not JSON: ${(error as Error).message}`]);
  }
}

const [path] = process.argv.slice(2);
if (path === '--help' || path === '-h') {
  process.stdout.write(`${USAGE}\n`);
} else {
  try {
    process.stdout.write(`${JSON.stringify(renderMarathonApp(readOptions(path)), null, 2)}\n`);
  } catch (error) {
    if (!(error instanceof PackageOptionsError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}
