/**
 * The shape of API traffic over a day and a week, in the customer's local time: quiet nights,
 * a morning ramp, a working-hours plateau with an early-afternoon peak, and weekends at about 40 %.
 * Charts of the demo world should look like a real API's, so history is sampled from this.
 */
import { DAY_MS, HOUR_MS } from "./calendar";

/** Relative load for each local hour 0..23 (peak 1). */
const hourly = [
  0.12, 0.09, 0.08, 0.08, 0.1, 0.15, 0.28, 0.48, 0.72, 0.88, 0.95, 0.98, 0.93, 0.97, 1, 0.96, 0.9,
  0.78, 0.6, 0.46, 0.36, 0.28, 0.2, 0.15,
];

/** Relative load per local weekday, Sunday first (as Date#getUTCDay). */
const weekly = [0.35, 1, 1, 0.98, 0.97, 0.9, 0.42];

/** Load at instant `t` for a customer whose working day is `tzHours` ahead of UTC. */
export function loadAt(t: number, tzHours: number): number {
  const local = t + tzHours * HOUR_MS;
  const hour = Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
  const weekday = (Math.floor(local / DAY_MS) + 4) % 7; // 1970-01-01 was a Thursday
  return (hourly[hour] ?? 0) * (weekly[(weekday + 7) % 7] ?? 0);
}

/**
 * Hour buckets over [from, to) with the load of each, for sampling instants; partial buckets at
 * the edges are weighted by their overlap so short segments stay proportional.
 */
export class LoadCurve {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly cumulative: number[] = [];
  readonly total: number;

  constructor(from: number, to: number, weight: (t: number) => number) {
    let acc = 0;
    for (let s = Math.floor(from / HOUR_MS) * HOUR_MS; s < to; s += HOUR_MS) {
      const a = Math.max(s, from);
      const b = Math.min(s + HOUR_MS, to);
      if (b <= a) continue;
      const w = weight(s) * ((b - a) / HOUR_MS);
      if (w <= 0) continue;
      acc += w;
      this.starts.push(a);
      this.ends.push(b);
      this.cumulative.push(acc);
    }
    this.total = acc;
  }

  get empty(): boolean {
    return this.total <= 0;
  }

  /** An instant drawn with density proportional to the load; `u`, `v` uniform in [0, 1). */
  sample(u: number, v: number): number {
    const target = u * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] ?? 0) <= target) lo = mid + 1;
      else hi = mid;
    }
    const a = this.starts[lo] ?? 0;
    const b = this.ends[lo] ?? a;
    return Math.min(b - 1, Math.floor(a + v * (b - a)));
  }
}
