import { describe, expect, it } from 'vitest';
import { refusalOf } from '../../test/refusal.ts';
import { parseDataFile } from './config-error.ts';
import { checkCode, offerForCheckout, offersFor, offerTerms } from './offers.ts';
import { chargeOf, formatMinor, plansFile, plansFileSchema } from './plans.ts';
import { settings } from './settings.ts';

const plans = [
  { id: 'quarterly', name: 'Quarterly', price: 900, months: 3 },
  { id: 'yearly', name: 'Yearly', price: 2700, months: 12 },
];
const fixture = {
  renewal: 'Renews.',
  plans,
  includes: [],
  offers: [
    { id: 'back', plan: 'quarterly', for: 'lapsed', price: 99, periods: 1 },
    { id: 'intro', plan: 'quarterly', for: 'everyone', price: 450, periods: 2 },
    { id: 'trial', plan: 'yearly', for: 'everyone', trialDays: 14 },
    { id: 'arm', plan: 'yearly', for: 'arm', price: 1000, periods: 1 },
    { id: 'coded', plan: 'yearly', for: 'code', trialDays: 7, price: 1350, periods: 1 },
  ],
  codes: [
    { code: 'Spring', offer: 'coded', expires: '2030-01-01T00:00:00+05:30', maxRedemptions: 2 },
    { code: 'OLD', offer: 'coded', expires: '2020-01-01T00:00:00Z', maxRedemptions: 2 },
  ],
};
const file = parseDataFile(plansFileSchema, fixture, 'content/plans.json');

const problem = (raw: unknown) => refusalOf(plansFileSchema, raw, 'content/plans.json');

describe('offers in content/plans.json', () => {
  it('parses the publication’s own offers, each for a plan it has', () => {
    for (const offer of plansFile.offers) expect(plansFile.plans.map((plan) => plan.id)).toContain(offer.plan);
  });

  it('refuses an offer at or above its plan’s price, naming the field', () => {
    const message = problem({ ...fixture, offers: [{ id: 'x', plan: 'quarterly', for: 'everyone', price: 900, periods: 1 }], codes: [] });
    expect(message).toContain('offers.0.price');
    expect(message).toContain('not below the plan');
  });
  it('refuses an offer for a plan that does not exist', () => {
    expect(problem({ ...fixture, offers: [{ id: 'x', plan: 'gold', for: 'everyone', trialDays: 3 }], codes: [] })).toContain('offers.0.plan');
  });
  it('refuses an offer in another currency than the site’s', () => {
    const other = settings.currency === 'EUR' ? 'USD' : 'EUR';
    expect(problem({ ...fixture, offers: [{ id: 'x', plan: 'quarterly', for: 'everyone', trialDays: 3, currency: other }], codes: [] })).toContain('offers.0.currency');
  });
  it('refuses an introductory price longer than 36 months, or without its periods', () => {
    expect(problem({ ...fixture, offers: [{ id: 'x', plan: 'yearly', for: 'everyone', price: 10, periods: 4 }], codes: [] })).toContain('offers.0.periods');
    expect(problem({ ...fixture, offers: [{ id: 'x', plan: 'yearly', for: 'everyone', price: 10 }], codes: [] })).toContain('offers.0.periods');
  });
  it('refuses two offers with one id, or two for one audience on one plan', () => {
    expect(problem({ ...fixture, offers: [fixture.offers[0], fixture.offers[0]], codes: [] })).toContain('used twice');
    expect(problem({ ...fixture, offers: [fixture.offers[1], { ...fixture.offers[1], id: 'again' }], codes: [] })).toContain('a card shows one');
  });
  it('refuses codes that differ only in case, and codes for offers not meant for codes', () => {
    expect(problem({ ...fixture, codes: [fixture.codes[0], { ...fixture.codes[0], code: 'SPRING' }] })).toContain('case-insensitive');
    expect(problem({ ...fixture, codes: [{ ...fixture.codes[0], offer: 'intro' }] })).toContain('codes.0.offer');
    expect(problem({ ...fixture, codes: [{ ...fixture.codes[0], expires: '2030-01-01' }] })).toContain('codes.0.expires');
  });
});

describe('what a card says', () => {
  it('prints exact money for an introductory price and a trial', () => {
    const [back, intro, trial, , coded] = file.offers;
    const inr = (units: number) => formatMinor(chargeOf({ price: units }, 'INR'), 'INR', 'en-IN');
    expect(offerTerms(back!, plans[0]!, 'en-IN', 'INR')).toBe(`${inr(99)} for the first 3 months, then ${inr(900)} every 3 months`);
    expect(offerTerms(intro!, plans[0]!, 'en-IN', 'INR')).toBe(`${inr(450)} every 3 months for the first 6 months, then ${inr(900)} every 3 months`);
    expect(offerTerms(trial!, plans[1]!, 'en-IN', 'INR')).toBe(`14 days free, then ${inr(2700)} every year`);
    expect(offerTerms(coded!, plans[1]!, 'en-IN', 'INR')).toBe(`7 days free, then ${inr(1350)} for the first year, then ${inr(2700)} every year`);
  });
});

describe('which offer a reader’s cards show', () => {
  const ids = (chosen: Map<string, { id: string }>) => Object.fromEntries([...chosen].map(([plan, offer]) => [plan, offer.id]));

  it('shows the win-back offer only to a lapsed reader', () => {
    expect(ids(offersFor({ lapsed: false }, file))).toEqual({ quarterly: 'intro', yearly: 'trial' });
    expect(ids(offersFor({ lapsed: true }, file))).toEqual({ quarterly: 'back', yearly: 'trial' });
  });
  it('takes an arm’s offer for its plan, never a code’s or a win-back to a reader who did not leave', () => {
    expect(ids(offersFor({ lapsed: true, override: 'arm' }, file))).toEqual({ quarterly: 'back', yearly: 'arm' });
    expect(ids(offersFor({ lapsed: false, override: 'coded' }, file))).toEqual({ quarterly: 'intro', yearly: 'trial' });
    expect(ids(offersFor({ lapsed: false, override: 'back' }, file))).toEqual({ quarterly: 'intro', yearly: 'trial' });
  });
  it('lets a checkout use only the offer the reader was shown', () => {
    expect(offerForCheckout('quarterly', 'back', { lapsed: true }, file)?.id).toBe('back');
    expect(offerForCheckout('quarterly', 'back', { lapsed: false }, file)).toBeUndefined();
    expect(offerForCheckout('yearly', 'coded', { lapsed: false }, file)).toBeUndefined();
    // A lapsed reader may still take the offer for everyone that the subscribe page shows them.
    expect(offerForCheckout('quarterly', 'intro', { lapsed: true }, file)?.id).toBe('intro');
  });
});

describe('promo codes', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it('are found in any case and give their offer and its plan', () => {
    const checked = checkCode('  sPrInG ', now, 0, file);
    expect(checked.ok && [checked.offer.id, checked.plan.id]).toEqual(['coded', 'yearly']);
  });
  it('say clearly why a code does not work: unknown, expired, used up', () => {
    expect(checkCode('WINTER', now, 0, file)).toMatchObject({ ok: false, message: expect.stringContaining('not one of our codes') });
    expect(checkCode('old', now, 0, file)).toMatchObject({ ok: false, message: expect.stringContaining('expired') });
    expect(checkCode('spring', now, 2, file)).toMatchObject({ ok: false, message: expect.stringContaining('used as many times') });
    expect(checkCode('spring', new Date('2030-01-01T00:00:00+05:30'), 0, file)).toMatchObject({ ok: false, message: expect.stringContaining('expired') });
  });
});
