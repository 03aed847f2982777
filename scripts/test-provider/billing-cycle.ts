// Billing periods: where the n-th period of a subscription ends, and how to say "every 12 months".
// Both providers bill from an anchor: a monthly plan started on 31 January renews on 28 (or 29)
// February and then on 31 March again, so periods are counted from the anchor, never chained.

export type IntervalUnit = 'day' | 'week' | 'month' | 'year';

export interface Interval {
  unit: IntervalUnit;
  count: number;
}

const SECONDS_PER_DAY = 86_400;

/** Unix seconds at which `cycles` whole intervals after `anchor` have passed (UTC calendar). */
export function afterCycles(anchor: number, interval: Interval, cycles: number): number {
  const steps = interval.count * cycles;
  switch (interval.unit) {
    case 'day':
      return anchor + steps * SECONDS_PER_DAY;
    case 'week':
      return anchor + steps * 7 * SECONDS_PER_DAY;
    case 'month':
      return addMonths(anchor, steps);
    case 'year':
      return addMonths(anchor, steps * 12);
  }
}

function addMonths(anchor: number, months: number): number {
  const start = new Date(anchor * 1000);
  const monthIndex = start.getUTCMonth() + months;
  const year = start.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(start.getUTCDate(), lastDay);
  const end = Date.UTC(year, month, day, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds());
  return end / 1000;
}

/** "every month", "every 12 months", "every 7 days". */
export function describeInterval({ unit, count }: Interval): string {
  return count === 1 ? `every ${unit}` : `every ${count} ${unit}s`;
}

/** The unix time now, in whole seconds, as both APIs report times. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
