import { OfferFilters, refuseMillis } from './offer-filters';
import { parseResourceText } from './resource-text';

describe('refuseMillis', () => {
  it.each([
    [undefined, 5000],
    [null, 5000],
    [0, 0],
    [-3, 5000],
    [Number.NaN, 5000],
    [0.2, 1000],
    [30, 30000],
    [1e12, 31536000 * 1000],
  ])('refuse_seconds %p gives %p ms with a 1 s allocation interval', (seconds, expected) => {
    expect(refuseMillis(seconds, 1000)).toBe(expected);
  });
});

describe('OfferFilters', () => {
  const refused = parseResourceText('cpus:4;mem:1024');

  it('filters subsets of the refused resources until the filter expires', () => {
    const filters = new OfferFilters();
    filters.add('*', 'a1', refused, 1000, 0);
    expect(filters.isFiltered('*', 'a1', parseResourceText('cpus:2;mem:512'), 500)).toBe(true);
    expect(filters.isFiltered('*', 'a1', refused, 999)).toBe(true);
    expect(filters.isFiltered('*', 'a1', refused, 1000)).toBe(false);
  });

  it('lets a larger offer through and keeps roles and agents apart', () => {
    const filters = new OfferFilters();
    filters.add('*', 'a1', refused, 1000, 0);
    expect(filters.isFiltered('*', 'a1', parseResourceText('cpus:5;mem:1024'), 1)).toBe(false);
    expect(filters.isFiltered('*', 'a2', refused, 1)).toBe(false);
    expect(filters.isFiltered('ops', 'a1', refused, 1)).toBe(false);
  });

  it('is cleared per role (REVIVE) or entirely', () => {
    const filters = new OfferFilters();
    filters.add('a', 'x', refused, 1000, 0);
    filters.add('b', 'x', refused, 1000, 0);
    filters.clear(['a']);
    expect(filters.isFiltered('a', 'x', refused, 1)).toBe(false);
    expect(filters.isFiltered('b', 'x', refused, 1)).toBe(true);
    filters.clear();
    expect(filters.isFiltered('b', 'x', refused, 1)).toBe(false);
  });
});
