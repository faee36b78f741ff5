import { KeyedMap } from './keyed-map';

describe('KeyedMap', () => {
  it('tells scalar keys of different types apart and finds tuple keys by value', () => {
    const map = new KeyedMap<string>();
    map.set(1, 'number');
    map.set('1', 'string');
    map.set(true, 'boolean');
    map.set(['a', 1], 'tuple');
    expect([map.get(1), map.get('1'), map.get(true), map.get(['a', 1]), map.get(['a', '1'])]).toEqual(['number', 'string', 'boolean', 'tuple', undefined]);
    expect(map.size).toBe(4);
  });

  it('replaces a value in place and lists every key as given with its value, scalar keys first', () => {
    const map = new KeyedMap<number>();
    const tuple = ['w', 2];
    map.set(tuple, 1);
    map.set('x', 1);
    map.set(['w', 2], 5);
    map.set('x', 7);
    expect([...map.entries()]).toEqual([
      ['x', 7],
      [['w', 2], 5],
    ]);
    expect([...map.entries()][1]?.[0]).toBe(tuple);
    map.clear();
    expect(map.size).toBe(0);
  });
});
