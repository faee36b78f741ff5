import { WatermarkValve } from './io';
import { assignWindows } from './operators/window';

describe('WatermarkValve', () => {
  it('advances to the minimum over channels, only forward, and ignores ended channels', () => {
    const valve = new WatermarkValve([2, 1]);
    expect(valve.watermark(0, 0, 100)).toBeUndefined();
    expect(valve.watermark(0, 1, 50)).toBeUndefined();
    expect(valve.watermark(1, 0, 70)).toBe(50);
    expect(valve.watermark(0, 1, 40)).toBeUndefined();
    expect(valve.watermark(0, 1, 200)).toBe(70);
    expect(valve.end(1, 0)).toBe(100);
    expect(valve.allEnded).toBe(false);
    expect(valve.end(0, 0)).toBe(200);
    expect(valve.end(0, 1)).toBeUndefined();
    expect(valve.allEnded).toBe(true);
  });
});

describe('assignWindows', () => {
  it('puts a timestamp into size/slide windows aligned to the epoch, earliest first', () => {
    expect(assignWindows(1500, 1000, 1000)).toEqual([{ start: 1000, end: 2000 }]);
    expect(assignWindows(1500, 1000, 500)).toEqual([
      { start: 1000, end: 2000 },
      { start: 1500, end: 2500 },
    ]);
    expect(assignWindows(-1, 1000, 1000)).toEqual([{ start: -1000, end: 0 }]);
  });
});
