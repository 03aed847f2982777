/**
 * The statistics of the experiments' results page: pure, so they can be checked against published
 * values (stats.test.ts).
 *
 * - A rate's 95% interval is Wilson's score interval, which stays inside 0–1 and behaves with few
 *   readers or none with the outcome, where the textbook p ± 1.96·SE does not.
 * - The interval of a difference between two rates is Newcombe's hybrid score interval (his
 *   "method 10", 1998), built from the two Wilson intervals.
 */

/** The two-sided 95% quantile of the normal distribution. */
export const Z_95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/** Wilson's score interval for `successes` out of `trials`; null when there were no trials, or more successes than trials. */
export function wilson(successes: number, trials: number, z = Z_95): Interval | null {
  // More outcomes than readers exposed (a reader who started two checkouts) is no rate: no interval.
  if (trials <= 0 || successes < 0 || successes > trials) return null;
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z / (1 + z2 / trials)) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval for the difference `a − b` of two independent rates; null
 * when either has no trials.
 */
export function newcombe(a: { successes: number; trials: number }, b: { successes: number; trials: number }, z = Z_95): (Interval & { difference: number }) | null {
  const first = wilson(a.successes, a.trials, z);
  const second = wilson(b.successes, b.trials, z);
  if (!first || !second) return null;
  const p1 = a.successes / a.trials;
  const p2 = b.successes / b.trials;
  const difference = p1 - p2;
  return {
    difference,
    low: difference - Math.sqrt((p1 - first.low) ** 2 + (second.high - p2) ** 2),
    high: difference + Math.sqrt((first.high - p1) ** 2 + (p2 - second.low) ** 2),
  };
}

/**
 * The floor below which the page says "not enough readers yet" for an outcome: every arm must have
 * this many exposed readers, and this many readers with the outcome. Below it the intervals are
 * too wide to tell arms apart, and a difference that looks large is most often noise.
 */
export const ENOUGH = { exposures: 1000, outcomes: 10 } as const;

export function isEnough(arms: readonly { exposures: number; outcomes: number }[]): boolean {
  return arms.length > 0 && arms.every((arm) => arm.exposures >= ENOUGH.exposures && arm.outcomes >= ENOUGH.outcomes);
}

/**
 * Readers each arm needs to show a difference `delta` from a base rate `rate` with 80% power at
 * the 5% level (Lehr's rule, 16·p(1−p)/δ²): for planning how long to run an experiment.
 */
export function readersNeeded(rate: number, delta: number): number {
  // Rounded first, so that floating-point dust does not add a reader.
  return Math.ceil(Number(((16 * rate * (1 - rate)) / (delta * delta)).toFixed(6)));
}
