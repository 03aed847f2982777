import { describe, expect, it } from 'vitest';
import { formatPrice, planCards, plansFileSchema, planLength, pricePerMonth } from './plans.ts';
import { refusalOf } from '../../test/refusal.ts';
import { parseDataFile } from './config-error.ts';

describe('plans', () => {
  it('rounds the monthly figure down, as the plan cards show it', () => {
    expect(pricePerMonth({ price: 900, months: 3 })).toBe(300);
    expect(pricePerMonth({ price: 2700, months: 12 })).toBe(225);
    expect(pricePerMonth({ price: 3900, months: 24 })).toBe(162);
  });

  it('formats prices for the configured locale and currency', () => {
    expect(formatPrice(2700, 'en-IN', 'INR')).toBe('₹2,700');
    expect(formatPrice(123456, 'en-IN', 'INR')).toBe('₹1,23,456');
    expect(formatPrice(2700, 'en-GB', 'GBP')).toBe('£2,700');
  });

  it('says lengths in years when they are whole years', () => {
    expect(planLength(3, 'en-IN')).toBe('3 months');
    expect(planLength(12, 'en-IN')).toBe('1 year');
    expect(planLength(24, 'en-IN')).toBe('2 years');
    expect(planLength(18, 'en-IN')).toBe('18 months');
  });

  it('builds a card for each plan, in order, marking the highlighted one', () => {
    const file = plansFileSchema.parse({
      renewal: 'Renews.',
      highlighted: 'essential',
      plans: [
        { id: 'quarterly', name: 'Smart Quarterly', price: 900, months: 3 },
        { id: 'essential', name: 'Smart Essential', price: 2700, months: 12 },
        { id: 'saver', name: 'Super Saver', price: 3900, months: 24 },
      ],
      includes: [],
    });
    expect(planCards(file, 'en-IN', 'INR')).toEqual([
      { id: 'quarterly', name: 'Smart Quarterly', price: '₹900', length: '3 months', perMonth: '₹300', highlighted: false },
      { id: 'essential', name: 'Smart Essential', price: '₹2,700', length: '1 year', perMonth: '₹225', highlighted: true },
      { id: 'saver', name: 'Super Saver', price: '₹3,900', length: '2 years', perMonth: '₹162', highlighted: false },
    ]);
  });

  describe('a broken plans file gets a message naming the file and the field', () => {
    const valid = { renewal: 'Renews.', plans: [{ id: 'a', name: 'A', price: 100, months: 1 }], includes: [] };
    const problem = (raw: unknown) => refusalOf(plansFileSchema, raw, 'content/plans.json');

    it('accepts a valid file', () => {
      expect(parseDataFile(plansFileSchema, valid, 'content/plans.json').plans).toHaveLength(1);
    });
    it('refuses a price with decimals', () => {
      const message = problem({ ...valid, plans: [{ ...valid.plans[0], price: 99.5 }] });
      expect(message).toContain('content/plans.json');
      expect(message).toContain('plans.0.price');
    });
    it('refuses a highlighted plan that does not exist', () => {
      expect(problem({ ...valid, highlighted: 'gold' })).toContain('"gold" is not the id of a plan');
    });
    it('refuses two plans with one id', () => {
      expect(problem({ ...valid, plans: [valid.plans[0], valid.plans[0]] })).toContain('used twice');
    });
    it('refuses an unknown field, which is usually a typo', () => {
      expect(problem({ ...valid, plan: [] })).toContain('plan');
    });
    it('refuses zero months', () => {
      expect(problem({ ...valid, plans: [{ ...valid.plans[0], months: 0 }] })).toContain('plans.0.months');
    });
  });
});
