import { isNotModified, rangeIsCurrent } from './conditional';

const validators = { etag: '"abc"', lastModifiedSeconds: 1_700_000_000 };
const lastModified = new Date(1_700_000_000_000).toUTCString();

describe('isNotModified', () => {
  it('matches If-None-Match weakly, in a list, and *', () => {
    expect(isNotModified({ 'if-none-match': '"abc"' }, validators)).toBe(true);
    expect(isNotModified({ 'if-none-match': 'W/"abc"' }, validators)).toBe(true);
    expect(isNotModified({ 'if-none-match': '"x", "abc"' }, validators)).toBe(true);
    expect(isNotModified({ 'if-none-match': '*' }, validators)).toBe(true);
    expect(isNotModified({ 'if-none-match': '"x"' }, validators)).toBe(false);
  });

  it('uses If-Modified-Since only without If-None-Match', () => {
    expect(isNotModified({ 'if-modified-since': lastModified }, validators)).toBe(true);
    expect(isNotModified({ 'if-modified-since': new Date(1_699_999_999_000).toUTCString() }, validators)).toBe(false);
    expect(isNotModified({ 'if-modified-since': 'garbage' }, validators)).toBe(false);
    expect(isNotModified({ 'if-none-match': '"x"', 'if-modified-since': lastModified }, validators)).toBe(false);
  });
});

describe('rangeIsCurrent', () => {
  it('compares entity tags strongly and dates exactly', () => {
    expect(rangeIsCurrent({}, validators)).toBe(true);
    expect(rangeIsCurrent({ 'if-range': '"abc"' }, validators)).toBe(true);
    expect(rangeIsCurrent({ 'if-range': 'W/"abc"' }, validators)).toBe(false);
    expect(rangeIsCurrent({ 'if-range': '"old"' }, validators)).toBe(false);
    expect(rangeIsCurrent({ 'if-range': lastModified }, validators)).toBe(true);
    expect(rangeIsCurrent({ 'if-range': new Date(1_600_000_000_000).toUTCString() }, validators)).toBe(false);
  });
});
