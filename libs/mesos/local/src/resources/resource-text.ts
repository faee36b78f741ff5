import { mesos } from '@mesoflow/proto';
import { LocalMesosError, LocalMesosErrorCode } from '../errors';
import { mergeRanges, Resources, toMilli, type Range, type ResourceEntry, type ResourceValue } from './resources';

/** An agent attribute as Mesos' protobuf has it. */
export type Attribute = mesos.v1.Attribute.$Properties;

const NAME = /^[A-Za-z0-9_.\-/]+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses Mesos' resource text (the agent's `--resources` flag): `;`-separated
 * `name(role):value` items where the value is a scalar (`4`, `0.5`), ranges (`[31000-32000,
 * 33000-33010]`) or a set (`{a,b}`); the role is optional (`*` = unreserved). Repeated names of
 * one role add up, as in Mesos.
 * @throws LocalMesosError with code `INVALID_RESOURCES` naming the item and the problem.
 */
export function parseResourceText(text: string): Resources {
  const bag = new Resources();
  for (const raw of text.split(';')) {
    const item = raw.trim();
    if (item === '') continue;
    const colon = item.indexOf(':');
    if (colon <= 0) throw badResource(item, "expected 'name:value' or 'name(role):value'");
    const head = item.slice(0, colon).trim();
    const valueText = item.slice(colon + 1).trim();
    const match = /^([^()]+)(?:\(([^()]*)\))?$/.exec(head);
    if (!match) throw badResource(item, "expected 'name' or 'name(role)' before ':'");
    const name = match[1].trim();
    const role = match[2] === undefined ? '*' : match[2].trim();
    if (!NAME.test(name)) throw badResource(item, `'${name}' is not a valid resource name`);
    if (role === '' || /\s/.test(role)) throw badResource(item, `'${role}' is not a valid role`);
    const value = parseValue(valueText, (problem) => badResource(item, problem));
    if (value.type === 'SCALAR' && value.milli < 0) throw badResource(item, 'scalar values must not be negative');
    const entry: ResourceEntry = { name, role, value };
    bag.add(entry);
  }
  return bag;
}

/**
 * Parses Mesos' attribute text (the agent's `--attributes` flag): `;`-separated `name:value`
 * items; numbers become SCALAR, `[a-b]` RANGES, anything else TEXT. Sets are refused, as the
 * agent's flag parser refuses them.
 * @throws LocalMesosError with code `INVALID_ATTRIBUTES` naming the item and the problem.
 */
export function parseAttributeText(text: string): Attribute[] {
  const attributes: Attribute[] = [];
  for (const raw of text.split(';')) {
    const item = raw.trim();
    if (item === '') continue;
    const colon = item.indexOf(':');
    if (colon <= 0) throw badAttribute(item, "expected 'name:value'");
    const name = item.slice(0, colon).trim();
    const valueText = item.slice(colon + 1).trim();
    if (!NAME.test(name)) throw badAttribute(item, `'${name}' is not a valid attribute name`);
    if (valueText === '') throw badAttribute(item, 'the value is empty');
    if (valueText.startsWith('{')) throw badAttribute(item, 'set values are not supported for attributes');
    if (NUMBER.test(valueText)) {
      attributes.push({ name, type: mesos.v1.Value.Type.SCALAR, scalar: { value: Number(valueText) } });
    } else if (valueText.startsWith('[')) {
      const value = parseValue(valueText, (problem) => badAttribute(item, problem));
      if (value.type !== 'RANGES') throw badAttribute(item, 'expected ranges such as [1-10]');
      attributes.push({
        name,
        type: mesos.v1.Value.Type.RANGES,
        ranges: { range: value.ranges.map((r) => ({ begin: r.begin, end: r.end })) },
      });
    } else {
      attributes.push({ name, type: mesos.v1.Value.Type.TEXT, text: { value: valueText } });
    }
  }
  return attributes;
}

/** The `/state` form of attributes: `{"rack":"r1","level":3}`. */
export function attributesToStateJson(attributes: readonly Attribute[]): Record<string, string | number> {
  const json: Record<string, string | number> = {};
  for (const attribute of attributes) {
    switch (attribute.type) {
      case mesos.v1.Value.Type.SCALAR:
        json[attribute.name] = attribute.scalar?.value ?? 0;
        break;
      case mesos.v1.Value.Type.RANGES:
        json[attribute.name] = `[${(attribute.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
        break;
      case mesos.v1.Value.Type.SET:
        json[attribute.name] = `{${(attribute.set?.item ?? []).join(', ')}}`;
        break;
      case mesos.v1.Value.Type.TEXT:
      default:
        json[attribute.name] = attribute.text?.value ?? '';
    }
  }
  return json;
}

function parseValue(text: string, fail: (problem: string) => LocalMesosError): ResourceValue {
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw fail("ranges must end with ']'");
    const body = text.slice(1, -1).trim();
    const ranges: Range[] = [];
    for (const part of body === '' ? [] : body.split(',')) {
      const match = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
      if (!match) throw fail(`'${part.trim()}' is not a range such as 31000-32000`);
      const range = { begin: Number(match[1]), end: Number(match[2]) };
      if (range.begin > range.end) throw fail(`range ${part.trim()} has begin > end`);
      ranges.push(range);
    }
    return { type: 'RANGES', ranges: mergeRanges(ranges) };
  }
  if (text.startsWith('{')) {
    if (!text.endsWith('}')) throw fail("sets must end with '}'");
    const items = text
      .slice(1, -1)
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    return { type: 'SET', items: [...new Set(items)].sort() };
  }
  if (!NUMBER.test(text)) throw fail(`'${text}' is not a number, [ranges] or {set}`);
  return { type: 'SCALAR', milli: toMilli(Number(text)) };
}

function badResource(item: string, problem: string): LocalMesosError {
  return new LocalMesosError(LocalMesosErrorCode.INVALID_RESOURCES, `Bad resource '${item}': ${problem}`);
}

function badAttribute(item: string, problem: string): LocalMesosError {
  return new LocalMesosError(LocalMesosErrorCode.INVALID_ATTRIBUTES, `Bad attribute '${item}': ${problem}`);
}
