import { KeptRecords } from './kept-records';

/** A record of `size` characters in all (operator id `op` and JSON). */
const record = (size: number, tag = 'x'): { operator_id: string; json: string } => ({ operator_id: 'op', json: tag.repeat(size - 2) });

describe('KeptRecords', () => {
  it('keeps every record of every task in order while they fit the budget', () => {
    const kept = new KeptRecords(30);
    kept.keep('a', record(10, 'a'));
    kept.keep('b', record(10, 'b'));
    kept.keep('a', record(10, 'c'));
    expect(kept.recordsOf('a')).toEqual([record(10, 'a'), record(10, 'c')]);
    expect(kept.recordsOf('b')).toEqual([record(10, 'b')]);
    expect(kept.recordsOf('never-collected')).toEqual([]);
  });

  it('past the budget drops all records of the task that collected first, which keeps none from then on', () => {
    const kept = new KeptRecords(30);
    kept.keep('a', record(10));
    kept.keep('b', record(10));
    kept.keep('b', record(10));
    kept.keep('b', record(10));
    expect(kept.recordsOf('a')).toBeUndefined();
    expect(kept.recordsOf('b')).toHaveLength(3);
    kept.keep('a', record(2));
    expect(kept.recordsOf('a')).toBeUndefined();
    // 'a' holds nothing any more, so 'c' fits only once 'b' went.
    kept.keep('c', record(5));
    expect(kept.recordsOf('b')).toBeUndefined();
    expect(kept.recordsOf('c')).toEqual([record(5)]);
  });

  it('drops the collecting task itself when it alone is past the budget', () => {
    const kept = new KeptRecords(30);
    kept.keep('a', record(31));
    expect(kept.recordsOf('a')).toBeUndefined();
    kept.keep('b', record(30));
    expect(kept.recordsOf('b')).toHaveLength(1);
  });

  it('frees the budget of a forgotten task', () => {
    const kept = new KeptRecords(30);
    kept.keep('a', record(20));
    kept.forget('a');
    expect(kept.recordsOf('a')).toEqual([]);
    kept.keep('b', record(30));
    expect(kept.recordsOf('b')).toHaveLength(1);
  });
});
