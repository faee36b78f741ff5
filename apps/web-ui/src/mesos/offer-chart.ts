// The Mesos page's chart of offers per interval: one line per kind over a y axis rounded up to a
// readable maximum, so the scale stays put while the counts wobble.
import type { MesosView } from '@mesoflow/web-api';

export const OFFER_SERIES = ['received', 'accepted', 'declined'] as const;
export type OfferSeries = (typeof OFFER_SERIES)[number];

export interface OfferChart {
  /** The y axis' top: 1, 2 or 5 times a power of ten. */
  readonly maxY: number;
  /** SVG polyline points per series, in a plot of the given size (y grows downwards). */
  readonly points: Readonly<Record<OfferSeries, string>>;
}

/** The smallest of 1, 2, 5, 10, 20, 50, ... at or above `value`. */
export function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((factor) => factor * power >= value) ?? 10;
  return step * power;
}

/** Scales the history into a plot `width` by `height`; one interval is a flat line across it. */
export function offerChart(history: MesosView['offerHistory'], width: number, height: number): OfferChart {
  const maxY = niceCeiling(Math.max(0, ...history.flatMap((entry) => OFFER_SERIES.map((series) => entry[series]))));
  const xOf = (index: number): number => (history.length === 1 ? 0 : (index * width) / (history.length - 1));
  const yOf = (value: number): number => height - (value / maxY) * height;
  const pointsOf = (series: OfferSeries): string => {
    const points = history.map((entry, index) => `${round(xOf(index))},${round(yOf(entry[series]))}`);
    const [only] = history;
    return history.length === 1 && only !== undefined ? `${points[0]} ${width},${round(yOf(only[series]))}` : points.join(' ');
  };
  return { maxY, points: { received: pointsOf('received'), accepted: pointsOf('accepted'), declined: pointsOf('declined') } };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
