// The DC/OS Universe package in deploy/dcos, rendered the way DC/OS's package manager (Cosmos)
// renders it on `dcos package install`: the defaults of config.json, the user's options merged
// over them, the result validated against config.json, then marathon.json.mustache rendered with
// those options plus resource.json as `resource`. Used by the package's tests and by
// render-dcos-app.ts for Marathon without DC/OS. Imports no Mesoflow code, so that the renderer
// runs from a plain checkout.
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import Mustache from 'mustache';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package's one revision, laid out as in the Universe repository (repo/packages/<L>/<name>/<revision>). */
export const PACKAGE_DIR = join(__dirname, '../dcos/repo/packages/M/mesoflow/0');

/** The four files of a Universe package revision (packagingVersion 4.0). */
export type PackageFile = 'package.json' | 'config.json' | 'resource.json' | 'marathon.json.mustache';

export function readPackageText(file: PackageFile): string {
  return readFileSync(join(PACKAGE_DIR, file), 'utf8');
}

export function readPackageJson<T>(file: Exclude<PackageFile, 'marathon.json.mustache'>): T {
  return JSON.parse(readPackageText(file)) as T;
}

/** A JSON value as options files hold them. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The part of JSON Schema config.json uses that default extraction needs. */
export interface OptionSchema {
  type?: string;
  default?: Json;
  properties?: Record<string, OptionSchema>;
  pattern?: string;
  enum?: Json[];
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The defaults a schema declares, as Cosmos extracts them: a property's `default`, else, for an
 * object with properties, the object of its properties' defaults. Properties without either
 * (e.g. the required `service.redis-url`) are left out, so `required` catches them.
 */
export function schemaDefaults(schema: OptionSchema): JsonObject {
  const defaults: JsonObject = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (property.default !== undefined) defaults[name] = property.default;
    else if (property.properties !== undefined) defaults[name] = schemaDefaults(property);
  }
  return defaults;
}

/** `options` over `defaults`, objects merged key by key, anything else replaced (an array too). */
export function mergeOptions(defaults: JsonObject, options: JsonObject): JsonObject {
  const merged: JsonObject = { ...defaults };
  for (const [key, value] of Object.entries(options)) {
    const base = merged[key];
    merged[key] = isObject(base) && isObject(value) ? mergeOptions(base, value) : value;
  }
  return merged;
}

/** The user's options break config.json: one message per problem, naming the option's path. */
export class PackageOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The package options are invalid:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'PackageOptionsError';
  }
}

let validateOptions: ReturnType<Ajv['compile']> | undefined;

/**
 * The options a package install would use: config.json's defaults with `options` merged over
 * them, validated against config.json. Throws {@link PackageOptionsError} with Ajv's messages,
 * each prefixed by the option's path (`/taskmanager/slots must be >= 1`), as `dcos package
 * install` refuses the options.
 */
export function resolveOptions(options: JsonObject = {}): JsonObject {
  const schema = readPackageJson<OptionSchema>('config.json');
  if (validateOptions === undefined) {
    // strict: a keyword Ajv does not know (a typo in config.json) fails the compilation.
    const ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv);
    validateOptions = ajv.compile(schema);
  }
  const merged = mergeOptions(schemaDefaults(schema), options);
  if (!validateOptions(merged)) {
    throw new PackageOptionsError((validateOptions.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`));
  }
  return merged;
}

/**
 * marathon.json.mustache rendered with `options` as given (no defaults, no validation) and
 * resource.json as `resource`: the raw text Cosmos would post to Marathon.
 */
export function renderTemplate(options: JsonObject): string {
  const view = { ...options, resource: readPackageJson<JsonObject>('resource.json') };
  return Mustache.render(readPackageText('marathon.json.mustache'), view);
}

/** The Marathon app `dcos package install mesoflow --options=<options>` posts. */
export function renderMarathonApp(options: JsonObject = {}): JsonObject {
  const text = renderTemplate(resolveOptions(options));
  return JSON.parse(text) as JsonObject;
}
