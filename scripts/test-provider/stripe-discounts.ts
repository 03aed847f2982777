// Stripe's coupons and promotion codes, and what they take off an invoice. A coupon takes a fixed
// amount (or a percentage) off for one invoice (`once`), for the invoices of its first
// `duration_in_months` (`repeating`), or for all of them (`forever`). A promotion code is a
// customer-facing code for a coupon, looked up without regard to case, with its own expiry and
// limit on redemptions. Redemptions are counted when a checkout using them is paid.
import type Stripe from 'stripe';
import { afterCycles } from './billing-cycle.ts';
import { newId } from './ids.ts';

export type Coupon = Pick<
  Stripe.Coupon,
  'id' | 'object' | 'amount_off' | 'created' | 'currency' | 'duration' | 'duration_in_months' | 'livemode' | 'max_redemptions' | 'metadata' | 'name' | 'percent_off' | 'redeem_by' | 'times_redeemed' | 'valid'
>;

export type PromotionCode = Pick<Stripe.PromotionCode, 'id' | 'object' | 'active' | 'code' | 'created' | 'customer' | 'expires_at' | 'livemode' | 'max_redemptions' | 'metadata' | 'times_redeemed'> & {
  promotion: { type: 'coupon'; coupon: string };
};

/** A coupon applied to one subscription, from `start`: Stripe's Discount, as far as billing needs it. */
export interface AppliedDiscount {
  coupon: string;
  promotionCode: string | null;
  start: number;
  /** Whether a `once` coupon has been used on a charged invoice. */
  spent: boolean;
}

export function newCoupon(
  fields: Pick<Coupon, 'amount_off' | 'currency' | 'duration' | 'duration_in_months' | 'max_redemptions' | 'metadata' | 'name' | 'percent_off' | 'redeem_by'> & { id: string | undefined },
  now: number,
): Coupon {
  return { ...fields, id: fields.id ?? newId('', 8), object: 'coupon', created: now, livemode: false, times_redeemed: 0, valid: true };
}

export function newPromotionCode(fields: Pick<PromotionCode, 'active' | 'expires_at' | 'max_redemptions' | 'metadata'> & { code: string | undefined; coupon: string }, now: number): PromotionCode {
  return {
    id: newId('promo_', 24),
    object: 'promotion_code',
    active: fields.active,
    code: fields.code ?? newId('', 8).toUpperCase(),
    created: now,
    customer: null,
    expires_at: fields.expires_at,
    livemode: false,
    max_redemptions: fields.max_redemptions,
    metadata: fields.metadata,
    promotion: { type: 'coupon', coupon: fields.coupon },
    times_redeemed: 0,
  };
}

/** Why a coupon cannot be redeemed now, in Stripe's words; undefined if it can. */
export function couponProblem(coupon: Coupon, now: number): string | undefined {
  if (coupon.redeem_by !== null && coupon.redeem_by <= now) return `Coupon ${coupon.id} expired and can no longer be redeemed.`;
  if (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions) return `Coupon ${coupon.id} has been redeemed the maximum number of times.`;
  return undefined;
}

/** Why a promotion code cannot be redeemed now; undefined if it can. */
export function promotionCodeProblem(code: PromotionCode, coupon: Coupon | undefined, now: number): string | undefined {
  if (!code.active) return `The promotion code ${code.code} is inactive.`;
  if (code.expires_at !== null && code.expires_at <= now) return `The promotion code ${code.code} has expired.`;
  if (code.max_redemptions !== null && code.times_redeemed >= code.max_redemptions) return `The promotion code ${code.code} has been redeemed the maximum number of times.`;
  if (!coupon) return `The promotion code ${code.code} has no coupon.`;
  return couponProblem(coupon, now);
}

/** A promotion code by what a customer typed: Stripe matches codes without regard to case. */
export function findPromotionCode(codes: Iterable<PromotionCode>, typed: string): PromotionCode | undefined {
  const wanted = typed.trim().toUpperCase();
  // The newest active one wins, as two codes may share a text if only one is active.
  return [...codes].reverse().find((code) => code.code.toUpperCase() === wanted && code.active) ?? [...codes].reverse().find((code) => code.code.toUpperCase() === wanted);
}

/**
 * What a discount takes off a charge for the period starting at `periodStart`: all of `amount_off`
 * (never more than the charge), or its percentage rounded as Stripe does (to the nearest minor unit).
 */
export function amountOff(coupon: Coupon, discount: AppliedDiscount, charge: number, periodStart: number): number {
  if (!discountApplies(coupon, discount, periodStart)) return 0;
  const off = coupon.amount_off ?? Math.round((charge * (coupon.percent_off ?? 0)) / 100);
  return Math.min(off, charge);
}

function discountApplies(coupon: Coupon, discount: AppliedDiscount, periodStart: number): boolean {
  if (coupon.duration === 'forever') return true;
  if (coupon.duration === 'once') return !discount.spent;
  return periodStart < afterCycles(discount.start, { unit: 'month', count: coupon.duration_in_months ?? 0 }, 1);
}
