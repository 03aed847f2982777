import { numberFormat } from './intl.ts';
import { chargeOf, findPlan, formatMinor, planLength, plansFile, type Offer, type Plan, type PlansFile, type PromoCode } from './plans.ts';
import { settings } from './settings.ts';

/**
 * Offers from content/plans.json: what a plan card says about one, which one a reader's cards
 * show, which one a checkout may use, and what a promo code gives. Shared by the build (the cards)
 * and the edge (the choice and the checkout), so both say and charge the same.
 */

/** "every 3 months", "every year", "every 2 years". */
export function everyPeriod(months: number, locale = settings.locale): string {
  return months === 12 ? 'every year' : `every ${planLength(months, locale)}`;
}

/** What the provider charges in each introductory period, in minor units. */
export function introductoryCharge(offer: Offer, currency = settings.currency): number | undefined {
  return offer.price === undefined ? undefined : chargeOf({ price: offer.price }, currency);
}

/**
 * The offer in exact money, as a plan card and the checkout pages print it:
 * "₹99 for the first 3 months, then ₹900 every 3 months", "14 days free, then ₹2,700 every year",
 * "₹99 every 3 months for the first 6 months, then ₹900 every 3 months".
 */
export function offerTerms(offer: Offer, plan: Plan, locale = settings.locale, currency = settings.currency): string {
  const full = `${formatMinor(chargeOf(plan, currency), currency, locale)} ${everyPeriod(plan.months, locale)}`;
  const parts: string[] = [];
  if (offer.trialDays !== undefined) parts.push(`${numberFormat(locale, { style: 'unit', unit: 'day', unitDisplay: 'long' }).format(offer.trialDays)} free`);
  if (offer.price !== undefined && offer.periods !== undefined) {
    const price = formatMinor(introductoryCharge(offer, currency)!, currency, locale);
    const first = planLength(plan.months * offer.periods, locale).replace(/^1 /, '');
    parts.push(offer.periods === 1 ? `${price} for the first ${first}` : `${price} ${everyPeriod(plan.months, locale)} for the first ${first}`);
  }
  return `${parts.join(', then ')}, then ${full}`;
}

/** The short line above the terms on a card: what kind of offer it is. */
export function offerBadge(offer: Offer): string {
  if (offer.for === 'lapsed') return 'Welcome back';
  if (offer.price === undefined) return 'Free trial';
  return 'Introductory price';
}

/** Who is choosing plans: whether their subscription ended, and an offer an experiment's arm gives them. */
export interface OfferReader {
  lapsed: boolean;
  /** An offer id that overrides the default (an experiment arm's "offer"): only an offer "for": "arm"; others are ignored. */
  override?: string | undefined;
}

/**
 * Which offer each plan card shows this reader: the win-back offer for a lapsed reader, else the
 * override for its plan, else the plan's offer for everyone, else none. Keyed by plan id.
 */
export function offersFor(reader: OfferReader, file: PlansFile = plansFile): Map<string, Offer> {
  const chosen = new Map<string, Offer>();
  const override = reader.override ? file.offers.find((offer) => offer.id === reader.override && offer.for === 'arm') : undefined;
  for (const plan of file.plans) {
    const of = (audience: Offer['for']) => file.offers.find((offer) => offer.plan === plan.id && offer.for === audience);
    // The win-back is the publisher's word to readers who left, whatever arm they are in.
    const offer = (reader.lapsed ? of('lapsed') : undefined) ?? (override?.plan === plan.id ? override : undefined) ?? of('everyone');
    if (offer) chosen.set(plan.id, offer);
  }
  return chosen;
}

/** Every offer the cards of one plan can show, in the order the build writes their regions. */
export function cardOffers(planId: string, file: PlansFile = plansFile): Offer[] {
  return file.offers.filter((offer) => offer.plan === planId && offer.for !== 'code');
}

/** The value of a plan card's offer region: `plan.offer`, or `plan.full` for the plan's own price. */
export function offerRegion(planId: string, offer: Offer | undefined): string {
  return `${planId}.${offer?.id ?? 'full'}`;
}

/** Which of a wall's offer regions to keep for the offers chosen for a reader. */
export function keepsOfferRegion(chosen: Map<string, Offer>, value: string): boolean {
  const planId = value.slice(0, value.indexOf('.'));
  return value === offerRegion(planId, chosen.get(planId));
}

/**
 * The offer a checkout form names, if this reader may have it: the one their cards on the wall
 * show them, or the plan's offer for everyone. A form is the browser's word, so an offer the
 * reader could not have been shown is refused, not charged.
 */
export function offerForCheckout(planId: string, offerId: string, reader: OfferReader, file: PlansFile = plansFile): Offer | undefined {
  const shown = offersFor(reader, file).get(planId);
  if (shown?.id === offerId) return shown;
  // The subscribe page, which the edge does not tailor, shows every reader the offers for everyone.
  const forEveryone = offersFor({ lapsed: false }, file).get(planId);
  return forEveryone?.id === offerId ? forEveryone : undefined;
}

export type CodeCheck = { ok: true; code: PromoCode; offer: Offer; plan: Plan } | { ok: false; message: string };

/**
 * A promo code as a reader typed it, checked against the file: known (in any case), not expired,
 * not used up. A code names its offer and so its plan. `redeemed` is how many paid checkouts have
 * used it, counted where checkouts are recorded.
 */
export function checkCode(typed: string, now: Date, redeemed: number, file: PlansFile = plansFile): CodeCheck {
  const code = findCode(typed, file);
  const offer = code && file.offers.find((candidate) => candidate.id === code.offer);
  const plan = offer && findPlan(offer.plan, file);
  if (!code || !offer || !plan) return { ok: false, message: `“${typed.trim().slice(0, 40)}” is not one of our codes. Check it and try again, or choose a plan without one.` };
  if (Date.parse(code.expires) <= now.getTime()) return { ok: false, message: `The code ${code.code} has expired. Choose a plan without it.` };
  if (redeemed >= code.maxRedemptions) return { ok: false, message: `The code ${code.code} has been used as many times as it allows. Choose a plan without it.` };
  return { ok: true, code, offer, plan };
}

/** The code a reader typed, in any case and with stray spaces. */
export function findCode(typed: string, file: PlansFile = plansFile): PromoCode | undefined {
  const wanted = typed.trim().toUpperCase();
  return file.codes.find((candidate) => candidate.code.toUpperCase() === wanted);
}
