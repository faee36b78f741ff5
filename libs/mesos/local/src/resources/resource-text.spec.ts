import { mesos } from '@mesoflow/proto';
import { LocalMesosErrorCode } from '../errors';
import { attributesToStateJson, parseAttributeText, parseResourceText } from './resource-text';

describe('parseResourceText', () => {
  it('parses scalars, ranges, sets and roles', () => {
    const resources = parseResourceText('cpus:4; mem:8192.5;disk(ops):100;ports:[31000-31010, 31005-32000,40000-40000];zones:{b,a}');
    expect(resources.list()).toEqual([
      { name: 'cpus', role: '*', value: { type: 'SCALAR', milli: 4000 } },
      { name: 'mem', role: '*', value: { type: 'SCALAR', milli: 8192500 } },
      { name: 'disk', role: 'ops', value: { type: 'SCALAR', milli: 100000 } },
      { name: 'ports', role: '*', value: { type: 'RANGES', ranges: [{ begin: 31000, end: 32000 }, { begin: 40000, end: 40000 }] } },
      { name: 'zones', role: '*', value: { type: 'SET', items: ['a', 'b'] } },
    ]);
  });

  it('adds up repeated names of one role', () => {
    expect(parseResourceText('cpus:1;cpus:0.5;cpus(r):2').toStateJson()).toMatchObject({ cpus: 3.5 });
  });

  it.each([
    ['cpus', "expected 'name:value'"],
    ['cpus:abc', "'abc' is not a number"],
    ['cpus:-1', 'must not be negative'],
    ['ports:[2-1]', 'begin > end'],
    ['ports:[1-2', "must end with ']'"],
    ['cpus():1', 'not a valid role'],
  ])('rejects %p', (text, problem) => {
    let thrown: unknown;
    try {
      parseResourceText(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: LocalMesosErrorCode.INVALID_RESOURCES });
    expect((thrown as Error).message).toContain(problem);
  });
});

describe('parseAttributeText', () => {
  it('makes numbers SCALAR, [a-b] RANGES and the rest TEXT', () => {
    const attributes = parseAttributeText('rack:r1;level:3;span:[1-10]');
    expect(attributes).toEqual([
      { name: 'rack', type: mesos.v1.Value.Type.TEXT, text: { value: 'r1' } },
      { name: 'level', type: mesos.v1.Value.Type.SCALAR, scalar: { value: 3 } },
      { name: 'span', type: mesos.v1.Value.Type.RANGES, ranges: { range: [{ begin: 1, end: 10 }] } },
    ]);
    expect(attributesToStateJson(attributes)).toEqual({ rack: 'r1', level: 3, span: '[1-10]' });
  });

  it('refuses sets and empty values', () => {
    expect(() => parseAttributeText('zones:{a,b}')).toThrow(/set values are not supported/);
    expect(() => parseAttributeText('rack:')).toThrow(/the value is empty/);
  });
});
