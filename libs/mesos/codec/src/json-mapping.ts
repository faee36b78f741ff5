import { Enum, Field, FieldBase, MapField, Type } from 'protobufjs';

/**
 * Mesos' own JSON mapping (stout's protobuf <-> JSON), not proto3's canonical one:
 * snake_case proto names, enums by name, base64 bytes, 64-bit integers as numbers,
 * infinite doubles as the strings "Infinity"/"-Infinity", `null` meaning "not set",
 * and unset fields with an explicit (non-deprecated) default written out.
 */

/** Thrown for JSON that does not map onto the message; the message is Mesos' detail text. */
export class JsonMappingError extends Error {}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Plain = Record<string, unknown>;

/** Converts a parsed JSON value into a plain object that the static class's `fromObject` accepts. */
export function jsonToPlain(type: Type, json: unknown, path = ''): Plain {
  if (!isObject(json)) {
    throw new JsonMappingError(`Expecting a JSON object for ${describe(path, type)}`);
  }
  const plain: Plain = {};
  for (const field of type.fieldsArray) {
    const value = json[field.name];
    if (value === undefined || value === null) continue;
    const fieldPath = path ? `${path}.${field.name}` : field.name;
    if (field instanceof MapField) {
      plain[field.name] = mapFromJson(field, value, fieldPath);
    } else if (field.repeated) {
      // stout accepts a lone value for a repeated field as a one-element list.
      const items = Array.isArray(value) ? value : [value];
      const converted = items.map((item, i) => valueFromJson(field, item, `${fieldPath}[${i}]`));
      plain[field.name] = converted.filter((item) => item !== undefined);
    } else {
      if (Array.isArray(value)) {
        throw new JsonMappingError(`Not expecting a JSON array for field '${fieldPath}'`);
      }
      const converted = valueFromJson(field, value, fieldPath);
      if (converted !== undefined) plain[field.name] = converted;
    }
  }
  return plain;
}

/** Lists the `required` fields missing anywhere in `plain`, as protobuf names them. */
export function missingRequiredFields(type: Type, plain: Plain, path = ''): string[] {
  const missing: string[] = [];
  for (const field of type.fieldsArray) {
    const fieldPath = path ? `${path}.${field.name}` : field.name;
    const value = plain[field.name];
    if (value === undefined || value === null) {
      if (field.required) missing.push(fieldPath);
      continue;
    }
    const nested = field.resolvedType;
    if (!(nested instanceof Type)) continue;
    if (field instanceof MapField) {
      for (const [key, item] of Object.entries(value as Plain)) {
        missing.push(...missingRequiredFields(nested, item as Plain, `${fieldPath}[${key}]`));
      }
    } else if (field.repeated) {
      (value as Plain[]).forEach((item, i) => {
        missing.push(...missingRequiredFields(nested, item, `${fieldPath}[${i}]`));
      });
    } else {
      missing.push(...missingRequiredFields(nested, value as Plain, fieldPath));
    }
  }
  return missing;
}

/** Writes a message (a static class instance or a plain object) as Mesos' JSON. */
export function messageToJson(type: Type, message: object): { [key: string]: Json } {
  const source = message as Plain;
  const json: { [key: string]: Json } = {};
  for (const field of type.fieldsArray) {
    const value = Object.prototype.hasOwnProperty.call(source, field.name) ? source[field.name] : undefined;
    if (field instanceof MapField) {
      if (isObject(value) && Object.keys(value).length > 0) {
        const out: { [key: string]: Json } = {};
        for (const [key, item] of Object.entries(value)) out[key] = valueToJson(field, item);
        json[field.name] = out;
      }
    } else if (field.repeated) {
      if (Array.isArray(value) && value.length > 0) {
        json[field.name] = value.map((item) => valueToJson(field, item));
      }
    } else if (value !== undefined && value !== null) {
      json[field.name] = valueToJson(field, value);
    } else if (hasExplicitDefault(field)) {
      json[field.name] = field.options?.['default'] as Json;
    }
  }
  return json;
}

function hasExplicitDefault(field: FieldBase): boolean {
  const options = field.options;
  return options !== undefined && options['default'] !== undefined && options['deprecated'] !== true;
}

function mapFromJson(field: MapField, value: unknown, path: string): Plain {
  if (!isObject(value)) throw new JsonMappingError(`Expecting a JSON object for map field '${path}'`);
  const out: Plain = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null) continue;
    const converted = valueFromJson(field, item, `${path}[${key}]`);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

/** One scalar, enum or message value; `undefined` means "drop it" (unknown optional enum name). */
function valueFromJson(field: FieldBase, value: unknown, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof Type) return jsonToPlain(resolved, value, path);
  if (resolved instanceof Enum) return enumFromJson(field, resolved, value, path);
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') throw expected('string', path);
      return value;
    case 'bytes':
      if (typeof value !== 'string') throw expected('string', path);
      return Buffer.from(value.replace(/\s+/g, ''), 'base64');
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw expected('boolean', path);
    case 'double':
    case 'float':
      return numberFromJson(value, path, true);
    default:
      return numberFromJson(value, path, false);
  }
}

function enumFromJson(field: FieldBase, type: Enum, value: unknown, path: string): unknown {
  if (typeof value !== 'string') throw expected('string', path);
  if (type.values[value] !== undefined) return value;
  // stout drops an unknown name in an optional field and fails a required one.
  if (field instanceof Field && field.required) {
    throw new JsonMappingError(`Failed to find enum for '${value}' in field '${path}'`);
  }
  return undefined;
}

function numberFromJson(value: unknown, path: string, allowInfinite: boolean): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (allowInfinite && (value === 'Infinity' || value === '-Infinity')) return Number(value);
    const parsed = Number(value);
    if (value.trim() !== '' && Number.isFinite(parsed)) return parsed;
  }
  throw expected('number', path);
}

function valueToJson(field: FieldBase, value: unknown): Json {
  const resolved = field.resolvedType;
  if (resolved instanceof Type) return messageToJson(resolved, value as object);
  if (resolved instanceof Enum) {
    return typeof value === 'number' ? (resolved.valuesById[value] ?? value) : (value as string);
  }
  switch (field.type) {
    case 'bytes':
      return Buffer.from(value as Uint8Array).toString('base64');
    case 'double':
    case 'float':
      return Number.isFinite(value) ? (value as number) : String(value);
    default:
      return value as Json;
  }
}

function expected(what: string, path: string): JsonMappingError {
  return new JsonMappingError(`Expecting a JSON ${what} for field '${path}'`);
}

function describe(path: string, type: Type): string {
  return path ? `field '${path}'` : `message '${type.name}'`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
