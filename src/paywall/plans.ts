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

/**
 * An offer on one plan: a lower price for its first `periods` renewal periods (then the plan's
 * price), or `trialDays` free before the first charge. Who sees it: every reader who meets the
 * plan cards (`everyone`), only a reader whose subscription ended (`lapsed`, the win-back), only
 * a reader an experiment's arm gives it to (`arm`), or only a reader who enters one of its codes
 * (`code`).
 */
const offerSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9-]+$/, 'use lower-case letters, digits and hyphens'),
    plan: z.string(),
    for: z.enum(['everyone', 'lapsed', 'arm', 'code']),
    price: z.int('write the price in whole currency units, e.g. 99').positive().optional(),
    periods: z.int().positive().max(36, 'an introductory price can last at most 36 periods').optional(),
    trialDays: z.int().positive().max(730, 'Stripe allows trials of at most 730 days').optional(),
    /** Optional: the currency the publisher priced it in; it must be the site's. */
    currency: z.string().optional(),
    /**
     * Optional: the provider's own object for this offer. Stripe: a coupon made in its dashboard
     * (without one the edge makes it from this file). Razorpay: an offer, which only its
     * dashboard can make. Either way the edge checks it against this file.
     */
    providers: z
      .strictObject({
        stripe: z.string().min(1).optional(),
        razorpay: z.string().regex(/^offer_\w+$/, 'a Razorpay offer id looks like offer_Kx…').optional(),
      })
      .optional(),
  })
  .refine((offer) => (offer.price === undefined) === (offer.periods === undefined), {
    message: 'give both "price" and "periods" for an introductory price',
    path: ['periods'],
  })
  .refine((offer) => offer.price !== undefined || offer.trialDays !== undefined, {
    message: 'an offer needs an introductory price ("price" and "periods"), a trial ("trialDays"), or both',
    path: ['price'],
  });

/** A promo code: case-insensitive, until its expiry, at most `maxRedemptions` paid checkouts. */
const codeSchema = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9_-]{3,40}$/, 'use 3 to 40 letters, digits, hyphens or underscores'),
  offer: z.string(),
  expires: z.iso.datetime({ offset: true, message: 'write the expiry as a date and time with its offset, e.g. 2027-03-31T23:59:59+05:30' }),
  maxRedemptions: z.int().positive(),
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
    offers: z.array(offerSchema).default([]),
    codes: z.array(codeSchema).default([]),
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
    checkOffers(file, ctx);
  });

/** Each offer against its plan; each code against its offer. */
function checkOffers(file: { plans: Plan[]; offers: Offer[]; codes: PromoCode[] }, ctx: z.RefinementCtx): void {
  const offerIds = file.offers.map((offer) => offer.id);
  file.offers.forEach((offer, index) => {
    const at = (field: string) => ['offers', index, field];
    if (offerIds.indexOf(offer.id) !== index) ctx.addIssue({ code: 'custom', path: at('id'), message: `offer id "${offer.id}" is used twice` });
    const plan = file.plans.find((candidate) => candidate.id === offer.plan);
    if (!plan) {
      ctx.addIssue({ code: 'custom', path: at('plan'), message: `"${offer.plan}" is not the id of a plan (ids: ${file.plans.map((p) => p.id).join(', ')})` });
      return;
    }
    if (offer.currency !== undefined && offer.currency !== settings.currency) {
      ctx.addIssue({ code: 'custom', path: at('currency'), message: `the offer is in ${offer.currency}, but the site charges in ${settings.currency} (content/site.json)` });
    }
    if (offer.price !== undefined && offer.price >= plan.price) {
      ctx.addIssue({ code: 'custom', path: at('price'), message: `${offer.price} is not below the plan's price, ${plan.price}` });
    }
    // The introductory months count from the purchase, trial included (a Stripe repeating coupon).
    if (offer.trialDays !== undefined && offer.price !== undefined && offer.trialDays >= plan.months * 28) {
      ctx.addIssue({ code: 'custom', path: at('trialDays'), message: `a trial before an introductory price must be shorter than one period of the plan (${plan.months * 28} days)` });
    }
    // Stripe counts a repeating coupon in months, and bills at most every three years.
    if (offer.periods !== undefined && offer.periods * plan.months > 36) {
      ctx.addIssue({ code: 'custom', path: at('periods'), message: `${offer.periods} periods of ${plan.months} months is more than the 36 months an introductory price may last` });
    }
  });
  for (const audience of ['everyone', 'lapsed'] as const) {
    for (const plan of file.plans) {
      const shown = file.offers.filter((offer) => offer.plan === plan.id && offer.for === audience);
      if (shown.length > 1) {
        ctx.addIssue({ code: 'custom', path: ['offers'], message: `plan "${plan.id}" has ${shown.length} offers for "${audience}" (${shown.map((o) => o.id).join(', ')}); a card shows one` });
      }
    }
  }
  const codes = file.codes.map((code) => code.code.toUpperCase());
  file.codes.forEach((code, index) => {
    if (codes.indexOf(code.code.toUpperCase()) !== index) ctx.addIssue({ code: 'custom', path: ['codes', index, 'code'], message: `code "${code.code}" is used twice (codes are case-insensitive)` });
    const offer = file.offers.find((candidate) => candidate.id === code.offer);
    if (!offer) ctx.addIssue({ code: 'custom', path: ['codes', index, 'offer'], message: `"${code.offer}" is not the id of an offer` });
    else if (offer.for !== 'code') ctx.addIssue({ code: 'custom', path: ['codes', index, 'offer'], message: `offer "${code.offer}" is for "${offer.for}"; a code gives an offer that is for "code"` });
  });
}

export type PlansFile = z.infer<typeof plansFileSchema>;
export type Plan = z.infer<typeof planSchema>;
export type Offer = z.infer<typeof offerSchema>;
export type PromoCode = z.infer<typeof codeSchema>;

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
