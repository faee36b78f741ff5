import { formatClock, formatCount, formatCpus, formatDuration, formatElapsed, formatMegabytes, formatRate, formatTimestamp } from './format';

describe('formatting', () => {
  it('writes times in the local zone and a dash for not yet', () => {
    const at = new Date(2026, 0, 2, 3, 4, 5).getTime();
    expect(formatTimestamp(at)).toBe('2026-01-02 03:04:05');
    expect(formatClock(at)).toBe('03:04:05');
    expect(formatTimestamp(0)).toBe('—');
  });

  it('writes durations in their two largest units', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration((2 * 60 + 3) * 60_000)).toBe('2 h 03 min');
    expect(formatDuration((3 * 24 + 4) * 3_600_000)).toBe('3 d 04 h');
    expect(formatDuration(-5)).toBe('0 ms');
  });

  it('measures a run until it ended, or until now while it runs', () => {
    expect(formatElapsed(1_000, 6_000, 99_000)).toBe('5 s');
    expect(formatElapsed(1_000, 0, 11_000)).toBe('10 s');
    expect(formatElapsed(0, 0, 11_000)).toBe('—');
  });

  it('separates thousands and rounds rates to three significant places', () => {
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(-1200)).toBe('-1,200');
    expect(formatCount(undefined)).toBe('—');
    expect(formatRate(0)).toBe('0/s');
    expect(formatRate(0.46)).toBe('0.5/s');
    expect(formatRate(12.4)).toBe('12/s');
    expect(formatRate(12_345)).toBe('12.3k/s');
    expect(formatRate(1_234_567)).toBe('1.2M/s');
    expect(formatRate(undefined)).toBe('—');
  });

  it('writes Mesos resources', () => {
    expect(formatMegabytes(512)).toBe('512 MB');
    expect(formatMegabytes(1536)).toBe('1.5 GB');
    expect(formatMegabytes(2 * 1024 * 1024)).toBe('2.0 TB');
    expect(formatCpus(2)).toBe('2');
    expect(formatCpus(0.5)).toBe('0.5');
    expect(formatCpus(0.25)).toBe('0.25');
  });
});
