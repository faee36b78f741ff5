import { niceCeiling, offerChart } from './offer-chart';

describe('the offer chart', () => {
  it('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 2, 3, 7, 10, 11, 20, 21, 499, 501].map(niceCeiling)).toEqual([1, 1, 2, 5, 10, 10, 20, 20, 50, 500, 1000]);
  });

  it('scales each series into the plot', () => {
    const chart = offerChart(
      [
        { startMs: 0, received: 4, accepted: 1, declined: 3 },
        { startMs: 10_000, received: 2, accepted: 2, declined: 0 },
        { startMs: 20_000, received: 0, accepted: 0, declined: 0 },
      ],
      100,
      50,
    );
    expect(chart.maxY).toBe(5);
    expect(chart.points).toEqual({ received: '0,10 50,30 100,50', accepted: '0,40 50,30 100,50', declined: '0,20 50,50 100,50' });
  });

  it('draws a single interval across the plot', () => {
    expect(offerChart([{ startMs: 0, received: 1, accepted: 1, declined: 0 }], 80, 10).points.received).toBe('0,0 80,0');
    expect(offerChart([], 80, 10)).toEqual({ maxY: 1, points: { received: '', accepted: '', declined: '' } });
  });
});
