import { z } from 'zod';
import raw from '../../content/plans.json' with { type: 'json' };
import { parseDataFile } from './config-error.ts';
import { numberFormat } from './intl.ts';
import { settings } from './settings.ts';

const planSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/, 'use lower-case letters, digits and hyphens'),
  name: z.string().trim().min(1),
  price: z.int('write the price in whole currency units, e.g. 2700').positive(),
  // Stripe and Razorpay bill at most every three years.
  months: z.int().positive().max(36, 'a plan can renew at most every 36 months'),
  /**
   * Optional: the provider's own price for this plan, when the publisher made one in its
   * dashboard. Without it the edge creates (Razorpay) or describes (Stripe) the price from the
   * card. Either way the edge checks that the provider charges what the card shows.
   */
  prices: z
    .strictObject({
      stripe: z.string().regex(/^price_\w+$/, 'a Stripe price id looks like price_1Q…').optional(),
      razorpay: z.string().regex(/^plan_\w+$/, 'a Razorpay plan id looks like plan_Kx…').optional(),
    })
    .optional(),
});

const inclusionSchema = z.strictObject({
  title: z.string().trim().min(1),
  description: z.string().trim().min(1),
});

export const plansFileSchema = z
  .strictObject({
    renewal: z.string().trim().min(1),
    highlighted: z.string().optional(),
    plans: z.array(planSchema).min(1, 'list at least one plan'),
    includes: z.array(inclusionSchema),
  })
  .superRefine((file, ctx) => {
    const ids = file.plans.map((plan) => plan.id);
    ids.forEach((id, index) => {
      if (ids.indexOf(id) !== index) {
        ctx.addIssue({ code: 'custom', path: ['plans', index, 'id'], message: `plan id "${id}" is used twice` });
      }
    });
    if (file.highlighted !== undefined && !ids.includes(file.highlighted)) {
      ctx.addIssue({
        code: 'custom',
        path: ['highlighted'],
        message: `"${file.highlighted}" is not the id of a plan (ids: ${ids.join(', ')})`,
      });
    }
  });

export type PlansFile = z.infer<typeof plansFileSchema>;
export type Plan = PlansFile['plans'][number];

export const plansFile: PlansFile = parseDataFile(plansFileSchema, raw, 'content/plans.json');

export function findPlan(id: string, file: PlansFile = plansFile): Plan | undefined {
  return file.plans.find((plan) => plan.id === id);
}

/** How many minor units (paise, cents) make one unit of a currency: 100 for INR, 1 for JPY. */
export function minorUnitsPerUnit(currency = settings.currency): number {
  const digits = numberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return 10 ** digits;
}

/** What the provider charges for a plan, in minor units: exactly the price the card shows. */
export function chargeOf(plan: Pick<Plan, 'price'>, currency = settings.currency): number {
  return plan.price * minorUnitsPerUnit(currency);
}

/** An amount in minor units as readers write it: ₹2,700, or ₹2,699.50 when it has a fraction. */
export function formatMinor(amount: number, currency = settings.currency, locale = settings.locale): string {
  const units = amount / minorUnitsPerUnit(currency);
  return numberFormat(locale, { style: 'currency', currency, ...(Number.isInteger(units) ? { minimumFractionDigits: 0 } : {}) }).format(units);
}

/** Whole currency units per month, rounded down as publishers quote it (3,900 over 24 months is 162). */
export function pricePerMonth(plan: Pick<Plan, 'price' | 'months'>): number {
  return Math.floor(plan.price / plan.months);
}

export function formatPrice(amount: number, locale = settings.locale, currency = settings.currency): string {
  return numberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: 0,
    maximumFractionDigits: 0,
  }).format(amount);
}

/** "3 months", "1 year", "2 years": whole years read better than 24 months on a plan card. */
export function planLength(months: number, locale = settings.locale): string {
  const [count, unit] = months % 12 === 0 ? [months / 12, 'year' as const] : [months, 'month' as const];
  const parts = numberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(count);
  return parts;
}

/** Everything a plan card prints, computed from the data file. */
export interface PlanCard {
  id: string;
  name: string;
  price: string;
  length: string;
  perMonth: string;
  highlighted: boolean;
}

export function planCards(file: PlansFile = plansFile, locale = settings.locale, currency = settings.currency): PlanCard[] {
  return file.plans.map((plan) => ({
    id: plan.id,
    name: plan.name,
    price: formatPrice(plan.price, locale, currency),
    length: planLength(plan.months, locale),
    perMonth: formatPrice(pricePerMonth(plan), locale, currency),
    highlighted: plan.id === file.highlighted,
  }));
}
