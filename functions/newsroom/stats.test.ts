import { describe, expect, it } from 'vitest';
import { isEnough, newcombe, readersNeeded, wilson } from './stats.ts';

// Published values: Newcombe, "Two-sided confidence intervals for the single proportion" (Statistics
// in Medicine 17, 1998, table II, method 3) and "Interval estimation for the difference between
// independent proportions" (same volume, table II, method 10).
describe('the results page’s statistics', () => {
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('Wilson’s interval of %i out of %i is %f to %f', (successes, trials, low, high) => {
    const interval = wilson(successes, trials)!;
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });

  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [6, 7, 2, 7, 0.0582, 0.8062],
    [5, 56, 0, 29, -0.0381, 0.1926],
  ])('Newcombe’s interval of %i/%i − %i/%i is %f to %f', (s1, n1, s2, n2, low, high) => {
    const interval = newcombe({ successes: s1, trials: n1 }, { successes: s2, trials: n2 })!;
    expect(interval.difference).toBeCloseTo(s1 / n1 - s2 / n2, 10);
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });

  it('has no interval without readers', () => {
    expect(wilson(0, 0)).toBeNull();
    // More outcomes than readers (one reader, two checkouts started) is no rate.
    expect(wilson(3, 2)).toBeNull();
    expect(newcombe({ successes: 0, trials: 0 }, { successes: 1, trials: 2 })).toBeNull();
  });

  it('waits for enough readers in every arm', () => {
    expect(isEnough([{ exposures: 1000, outcomes: 10 }, { exposures: 1000, outcomes: 10 }])).toBe(true);
    expect(isEnough([{ exposures: 1000, outcomes: 10 }, { exposures: 999, outcomes: 50 }])).toBe(false);
    expect(isEnough([{ exposures: 5000, outcomes: 9 }, { exposures: 5000, outcomes: 50 }])).toBe(false);
  });

  it('plans with Lehr’s rule', () => {
    // 0.5% converting, to see it rise to 0.6%: 16 × 0.005 × 0.995 / 0.001² readers an arm.
    expect(readersNeeded(0.005, 0.001)).toBe(79_600);
  });
});
