import { describe, expect, it } from 'vitest';
import { afterCycles, describeInterval } from './billing-cycle.ts';
import { formatMoney } from './money.ts';

const unix = (iso: string) => Date.parse(iso) / 1000;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

describe('billing cycles', () => {
  it('counts months from the anchor, clamping to short months', () => {
    const anchor = unix('2027-01-31T09:30:00Z');
    const monthly = { unit: 'month', count: 1 } as const;
    expect(iso(afterCycles(anchor, monthly, 1))).toBe('2027-02-28T09:30:00.000Z');
    expect(iso(afterCycles(anchor, monthly, 2))).toBe('2027-03-31T09:30:00.000Z');
    expect(iso(afterCycles(unix('2028-01-31T00:00:00Z'), monthly, 1))).toBe('2028-02-29T00:00:00.000Z');
  });

  it('handles 12-month, yearly, weekly and daily intervals', () => {
    const anchor = unix('2028-02-29T12:00:00Z');
    expect(iso(afterCycles(anchor, { unit: 'month', count: 12 }, 1))).toBe('2029-02-28T12:00:00.000Z');
    expect(iso(afterCycles(anchor, { unit: 'year', count: 1 }, 4))).toBe('2032-02-29T12:00:00.000Z');
    expect(iso(afterCycles(anchor, { unit: 'week', count: 2 }, 1))).toBe('2028-03-14T12:00:00.000Z');
    expect(iso(afterCycles(anchor, { unit: 'day', count: 7 }, 3))).toBe('2028-03-21T12:00:00.000Z');
  });

  it('says how often', () => {
    expect(describeInterval({ unit: 'month', count: 12 })).toBe('every 12 months');
    expect(describeInterval({ unit: 'month', count: 1 })).toBe('every month');
    expect(describeInterval({ unit: 'day', count: 7 })).toBe('every 7 days');
  });
});

describe('money', () => {
  it('formats minor units without floats, dropping .00 on whole amounts', () => {
    expect(formatMoney(270000, 'inr')).toBe('₹2,700');
    expect(formatMoney(10000000, 'INR')).toBe('₹1,00,000');
    expect(formatMoney(123456, 'usd')).toBe('$1,234.56');
    expect(formatMoney(5, 'usd')).toBe('$0.05');
    expect(formatMoney(500, 'jpy')).toBe('¥500');
  });
});
