// Stripe's offers in the test provider, driven by the real `stripe` SDK: coupons for once, for some
// months and forever, promotion codes (any case, expiry, redemption limit), trials, and exact
// amounts on every invoice as the test clock's renewals move through them.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider } from './index.ts';
import type { TestProvider } from './index.ts';
import { control, GOOD_CARD, postForm, stripeClient, uniqueKey } from './testing.ts';

let provider: TestProvider;
beforeAll(async () => {
  provider = await startTestProvider({ log: () => {} });
});
afterAll(() => provider.stop());

const FULL = 90000;

/** A fresh account, its SDK client, and a quarterly ₹900 price. */
async function setUp(): Promise<{ key: string; stripe: Stripe; price: Stripe.Price }> {
  const key = uniqueKey('sk_test_');
  const stripe = stripeClient(provider, key);
  const price = await stripe.prices.create({ currency: 'inr', unit_amount: FULL, recurring: { interval: 'month', interval_count: 3 }, product_data: { name: 'Quarterly' } });
  return { key, stripe, price };
}

async function pay(stripe: Stripe, price: Stripe.Price, extra: Partial<Stripe.Checkout.SessionCreateParams>, form: Record<string, string> = {}) {
  const session = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://news.example/ok', cancel_url: 'https://news.example/no', ...extra });
  const response = await postForm(session.url ?? '', { email: 'asha@example.com', ...GOOD_CARD, ...form });
  return { session, response };
}

async function subscriptionOf(stripe: Stripe, sessionId: string): Promise<Stripe.Subscription> {
  const paid = await stripe.checkout.sessions.retrieve(sessionId);
  return stripe.subscriptions.retrieve(String(paid.subscription), { expand: ['latest_invoice'] });
}

/** Runs `count` renewals and returns what each invoice charged. */
async function renewals(key: string, stripe: Stripe, subscriptionId: string, count: number): Promise<number[]> {
  const charged: number[] = [];
  for (let index = 0; index < count; index += 1) {
    expect((await control(provider, key, `subscriptions/${subscriptionId}/renew`)).status).toBe(200);
    const renewed = await stripe.subscriptions.retrieve(subscriptionId, { expand: ['latest_invoice'] });
    const invoice = renewed.latest_invoice as Stripe.Invoice;
    expect(invoice.status).toBe('paid');
    charged.push(invoice.amount_paid);
  }
  return charged;
}

describe('Stripe coupons on Checkout', () => {
  it('charges an introductory price once, then the full price', async () => {
    const { key, stripe, price } = await setUp();
    const coupon = await stripe.coupons.create({ amount_off: FULL - 9900, currency: 'inr', duration: 'once', name: 'Welcome back' });
    const { session, response } = await pay(stripe, price, { discounts: [{ coupon: coupon.id }] });
    expect(session.amount_total).toBe(9900);
    expect(response.status).toBe(303);
    const subscription = await subscriptionOf(stripe, session.id);
    expect((subscription.latest_invoice as Stripe.Invoice).amount_paid).toBe(9900);
    expect(await renewals(key, stripe, subscription.id, 2)).toEqual([FULL, FULL]);
    expect((await stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(1);
  });

  it('charges a repeating coupon for the invoices of its months, and a forever one on every invoice', async () => {
    const { key, stripe, price } = await setUp();
    const repeating = await stripe.coupons.create({ amount_off: 45000, currency: 'inr', duration: 'repeating', duration_in_months: 6 });
    const first = await pay(stripe, price, { discounts: [{ coupon: repeating.id }] });
    const sub = await subscriptionOf(stripe, first.session.id);
    expect((sub.latest_invoice as Stripe.Invoice).amount_paid).toBe(45000);
    expect(await renewals(key, stripe, sub.id, 2)).toEqual([45000, FULL]);

    const forever = await stripe.coupons.create({ percent_off: 10, duration: 'forever' });
    const second = await pay(stripe, price, { discounts: [{ coupon: forever.id }] });
    const always = await subscriptionOf(stripe, second.session.id);
    expect((always.latest_invoice as Stripe.Invoice).amount_paid).toBe(81000);
    expect(await renewals(key, stripe, always.id, 2)).toEqual([81000, 81000]);
  });

  it('previews the next renewal with its discount, and a refund of an introductory charge returns what was paid', async () => {
    const { stripe, price } = await setUp();
    const coupon = await stripe.coupons.create({ amount_off: FULL - 9900, currency: 'inr', duration: 'once' });
    const { session } = await pay(stripe, price, { discounts: [{ coupon: coupon.id }] });
    const subscription = await subscriptionOf(stripe, session.id);
    const next = await stripe.invoices.createPreview({ subscription: subscription.id });
    expect(next.amount_due).toBe(FULL);
    expect(next.lines.data[0]?.period.start).toBe(subscription.items.data[0]?.current_period_end);

    const invoice = await stripe.invoices.retrieve(String((subscription.latest_invoice as Stripe.Invoice).id), { expand: ['payments'] });
    const intent = String(invoice.payments?.data[0]?.payment.payment_intent);
    expect((await stripe.refunds.create({ payment_intent: intent })).amount).toBe(9900);
  });

  it('refuses a used-up or expired coupon when the session is made, so nothing is charged', async () => {
    const { stripe, price } = await setUp();
    const limited = await stripe.coupons.create({ amount_off: 100, currency: 'inr', max_redemptions: 1 });
    await pay(stripe, price, { discounts: [{ coupon: limited.id }] });
    await expect(pay(stripe, price, { discounts: [{ coupon: limited.id }] })).rejects.toThrow(/maximum number of times/);
    const expired = await stripe.coupons.create({ amount_off: 100, currency: 'inr', redeem_by: Math.floor(Date.now() / 1000) + 1 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expect(pay(stripe, price, { discounts: [{ coupon: expired.id }] })).rejects.toThrow(/expired/);
  });
});

describe('Stripe promotion codes', () => {
  it('finds a code in any case, counts its redemptions and stops at its limit', async () => {
    const { stripe, price } = await setUp();
    const coupon = await stripe.coupons.create({ amount_off: 45000, currency: 'inr', duration: 'once' });
    const code = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'Spring26', max_redemptions: 1 });
    expect((await stripe.promotionCodes.list({ code: 'SPRING26' })).data.map((found) => found.id)).toEqual([code.id]);

    const { session } = await pay(stripe, price, { allow_promotion_codes: true }, { promotion_code: 'spring26' });
    expect(((await subscriptionOf(stripe, session.id)).latest_invoice as Stripe.Invoice).amount_paid).toBe(45000);
    expect((await stripe.promotionCodes.retrieve(code.id)).times_redeemed).toBe(1);

    const again = await pay(stripe, price, { allow_promotion_codes: true }, { promotion_code: 'SPRING26' });
    expect(again.response.status).toBe(400);
    expect(await again.response.text()).toContain('redeemed the maximum number of times');
    expect((await stripe.checkout.sessions.retrieve(again.session.id)).status).toBe('open');
    await expect(pay(stripe, price, { discounts: [{ promotion_code: code.id }] })).rejects.toThrow(/maximum number of times/);
  });

  it('says so for a wrong or expired code typed on the page, and charges nothing', async () => {
    const { stripe, price } = await setUp();
    const coupon = await stripe.coupons.create({ amount_off: 100, currency: 'inr' });
    await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'OLD', expires_at: Math.floor(Date.now() / 1000) + 1 });
    const wrong = await pay(stripe, price, { allow_promotion_codes: true }, { promotion_code: 'NOPE' });
    expect(wrong.response.status).toBe(400);
    expect(await wrong.response.text()).toContain('not a valid promotion code');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await pay(stripe, price, { allow_promotion_codes: true }, { promotion_code: 'old' });
    expect(await expired.response.text()).toContain('has expired');
    expect((await stripe.invoices.list()).data).toEqual([]);
  });
});

describe('Stripe trials', () => {
  it('starts trialing with a ₹0 invoice; the trial ends with the first charge, then renews from there', async () => {
    const { key, stripe, price } = await setUp();
    const coupon = await stripe.coupons.create({ amount_off: FULL - 9900, currency: 'inr', duration: 'repeating', duration_in_months: 3 });
    const { session } = await pay(stripe, price, { subscription_data: { trial_period_days: 14 }, discounts: [{ coupon: coupon.id }] });
    expect(session.amount_total).toBe(0);
    const trialing = await subscriptionOf(stripe, session.id);
    expect(trialing.status).toBe('trialing');
    expect(trialing.trial_end! - trialing.trial_start!).toBe(14 * 86_400);
    expect(trialing.items.data[0]?.current_period_end).toBe(trialing.trial_end);
    expect((trialing.latest_invoice as Stripe.Invoice)).toMatchObject({ amount_due: 0, status: 'paid' });
    expect((await stripe.invoices.createPreview({ subscription: trialing.id })).amount_due).toBe(9900);

    expect(await renewals(key, stripe, trialing.id, 2)).toEqual([9900, FULL]);
    const active = await stripe.subscriptions.retrieve(trialing.id);
    expect(active.status).toBe('active');
    expect(active.items.data[0]?.current_period_start).toBeGreaterThan(trialing.trial_end!);
  });
});
