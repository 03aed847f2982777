// Razorpay's offers and trials in the test provider: an offer made in the "dashboard" (a control)
// and named by `offer_id` takes its discount off the first charges; a future `start_at` is a
// trial that authorises the card now and charges at the start. Exact amounts on every invoice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider } from './index.ts';
import type { TestProvider } from './index.ts';
import { control, GOOD_CARD, postForm, razorpayCaller, uniqueKey } from './testing.ts';

let provider: TestProvider;
beforeAll(async () => {
  provider = await startTestProvider({ log: () => {} });
});
afterAll(() => provider.stop());

const READER = { email: 'priya@example.com', contact: '+91 98765 43210', ...GOOD_CARD };
const FULL = 90000;

async function setUp() {
  const keyId = uniqueKey('rzp_test_');
  await control(provider, keyId, 'accounts', { provider: 'razorpay', keyId, keySecret: 'key-secret', webhookSecret: 'hook' }, 'PUT');
  const api = razorpayCaller(provider, keyId, 'key-secret');
  const plan = (await api('POST', '/v1/plans', { period: 'monthly', interval: 3, item: { name: 'Quarterly', amount: FULL, currency: 'INR' } })).body;
  return { keyId, api, plan };
}

async function paidAmounts(api: ReturnType<typeof razorpayCaller>, subscriptionId: string): Promise<number[]> {
  const { items } = (await api('GET', `/v1/invoices?subscription_id=${subscriptionId}`)).body as { items: { amount_paid: number; status: string; created_at: number }[] };
  return items.filter((invoice) => invoice.status === 'paid').reverse().map((invoice) => invoice.amount_paid);
}

describe('Razorpay offers', () => {
  it('takes an offer’s discount off its first charges, then charges the plan’s amount', async () => {
    const { keyId, api, plan } = await setUp();
    const offer = (await control(provider, keyId, 'offers', { id: 'offer_Intro99', name: 'Intro', discountAmount: FULL - 9900, paymentCount: 1 })).body;
    expect(offer).toMatchObject({ id: 'offer_Intro99', entity: 'offer' });
    const created = (await api('POST', '/v1/subscriptions', { plan_id: plan.id, total_count: 12, offer_id: offer.id })).body;
    expect(created.offer_id).toBe(offer.id);
    const page = await (await fetch(created.short_url)).text();
    expect(page).toContain('Due today: <strong>₹99</strong>');
    expect((await postForm(created.short_url, READER)).status).toBe(200);
    await control(provider, keyId, `subscriptions/${created.id}/renew`, {});
    await control(provider, keyId, `subscriptions/${created.id}/renew`, {});
    expect(await paidAmounts(api, created.id)).toEqual([9900, FULL, FULL]);
  });

  it('refuses an offer id it does not have, and a start_at in the past', async () => {
    const { api, plan } = await setUp();
    expect((await api('POST', '/v1/subscriptions', { plan_id: plan.id, total_count: 12, offer_id: 'offer_Nope' })).status).toBe(400);
    expect((await api('POST', '/v1/subscriptions', { plan_id: plan.id, total_count: 12, start_at: Math.floor(Date.now() / 1000) - 60 })).status).toBe(400);
  });

  it('a future start_at is a trial: authorised now with nothing charged, the first charge at the start', async () => {
    const { keyId, api, plan } = await setUp();
    const startAt = Math.floor(Date.now() / 1000) + 14 * 86_400;
    const created = (await api('POST', '/v1/subscriptions', { plan_id: plan.id, total_count: 12, start_at: startAt })).body;
    expect((await postForm(created.short_url, READER)).status).toBe(200);
    const trialing = (await api('GET', `/v1/subscriptions/${created.id}`)).body;
    expect(trialing).toMatchObject({ status: 'authenticated', paid_count: 0, start_at: startAt, charge_at: startAt });
    expect(await paidAmounts(api, created.id)).toEqual([]);

    const renewed = (await control(provider, keyId, `subscriptions/${created.id}/renew`, {})).body;
    expect(renewed.events.map((event: { type: string }) => event.type)).toEqual(['subscription.activated', 'subscription.charged']);
    const active = (await api('GET', `/v1/subscriptions/${created.id}`)).body;
    expect(active).toMatchObject({ status: 'active', paid_count: 1, current_start: startAt });
    expect(await paidAmounts(api, created.id)).toEqual([FULL]);
  });
});
