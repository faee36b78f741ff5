// Renders the DC/OS package's Marathon app for a Marathon without DC/OS, with the same defaults
// and validation as `dcos package install`:
//   node --import tsx deploy/src/render-dcos-app.ts [options.json] > mesoflow-app.json
// Exit 1 with one line per problem when the options do not fit config.json.
import { readFileSync } from 'node:fs';
import { PackageOptionsError, renderMarathonApp, type JsonObject } from './dcos-package';

const [path] = process.argv.slice(2);
try {
  const options = path === undefined ? {} : (JSON.parse(readFileSync(path, 'utf8')) as JsonObject);
  process.stdout.write(`${JSON.stringify(renderMarathonApp(options), null, 2)}\n`);
} catch (error) {
  if (!(error instanceof PackageOptionsError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
