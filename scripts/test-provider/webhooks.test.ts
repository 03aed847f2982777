// Webhook delivery: retries with backoff to a real local receiver, the delivery modes, the outbox.
import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider } from './index.ts';
import type { TestProvider } from './index.ts';
import { control, drain, eventually, GOOD_CARD, postForm, razorpayCaller, startReceiver, stripeClient, uniqueKey } from './testing.ts';
import { MAX_RETRY_DELAY_MS, retryDelayMs } from './webhooks.ts';

const RETRY_BASE_MS = 40;
let provider: TestProvider;
const logged: string[] = [];
beforeAll(async () => {
  provider = await startTestProvider({ retryBaseMs: RETRY_BASE_MS, log: (line) => logged.push(line) });
});
afterAll(() => provider.stop());

/** A Stripe account with a paid subscription; its checkout's five events are drained already. */
async function stripeAccount(webhookUrl?: string) {
  const key = uniqueKey('sk_test_');
  const webhookSecret = `whsec_${key}`;
  await control(provider, key, 'accounts', { provider: 'stripe', webhookSecret }, 'PUT');
  const stripe = stripeClient(provider, key);
  const price = await stripe.prices.create({ currency: 'inr', unit_amount: 29900, recurring: { interval: 'month' }, product_data: { name: 'Monthly' } });
  const session = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: price.id, quantity: 1 }], success_url: 'https://news.example/ok' });
  await postForm(session.url ?? '', { email: 'asha@example.com', ...GOOD_CARD });
  const subscriptionId = String((await stripe.checkout.sessions.retrieve(session.id)).subscription);
  await drain(provider, key);
  if (webhookUrl) await control(provider, key, 'accounts', { webhookUrl }, 'PUT');
  return { key, webhookSecret, stripe, subscriptionId };
}

describe('webhook delivery', () => {
  it('retries a failing endpoint with exponential backoff, with the same event id and body', async () => {
    const receiver = await startReceiver((attempt) => (attempt <= 2 ? 500 : 200));
    try {
      const { key, webhookSecret, stripe, subscriptionId } = await stripeAccount(receiver.url);
      await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true });
      await eventually(() => (receiver.received.length >= 3 ? true : undefined));
      const [first, second, third] = receiver.received;
      const ids = receiver.received.map((request) => (JSON.parse(request.body) as Stripe.Event).id);
      expect(new Set(ids).size).toBe(1);
      expect(new Set(receiver.received.map((request) => request.body)).size).toBe(1);
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(RETRY_BASE_MS);
      expect((third?.at ?? 0) - (second?.at ?? 0)).toBeGreaterThanOrEqual(2 * RETRY_BASE_MS);
      for (const request of receiver.received) {
        expect(request.headers['content-type']).toBe('application/json');
        expect(stripe.webhooks.constructEvent(request.body, String(request.headers['stripe-signature']), webhookSecret).type).toBe('customer.subscription.updated');
      }
      const deliveries = (await control(provider, key, 'deliveries', undefined, 'GET')).body;
      const delivery = deliveries.at(-1);
      expect(delivery).toMatchObject({ eventId: ids[0], type: 'customer.subscription.updated', url: receiver.url, state: 'delivered' });
      expect(delivery.attempts.map((attempt: { status: number }) => attempt.status)).toEqual([500, 500, 200]);
      expect(logged.some((line) => line.includes(`${ids[0]} → ${receiver.url}: attempt 1 HTTP 500; retrying in ${RETRY_BASE_MS} ms`))).toBe(true);
      const page = await (await fetch(`${provider.url}/_control/`)).text();
      expect(page).toContain(ids[0]);
      expect(page).toMatch(/HTTP 500 at [^<]+<\/li><li>HTTP 500 at [^<]+<\/li><li>HTTP 200 at/);
    } finally {
      await receiver.close();
    }
  });

  it('gives up after 8 attempts, for error answers and for connection errors alike', async () => {
    const receiver = await startReceiver(() => 503);
    const fast = await startTestProvider({ retryBaseMs: 1, log: () => {} });
    try {
      const key = uniqueKey('rzp_test_');
      const deliveries = async () => (await control(fast, key, 'deliveries', undefined, 'GET')).body as { eventId: string; state: string; attempts: { status: number | null; error: string | null }[] }[];
      await control(fast, key, 'accounts', { webhookUrl: receiver.url, webhookSecret: 'hook-secret' }, 'PUT');
      const api = razorpayCaller(fast, key, 'secret');
      const plan = (await api('POST', '/v1/plans', { period: 'weekly', interval: 1, item: { name: 'Weekly', amount: 9900, currency: 'INR' } })).body;
      const cancelNewSubscription = async () => {
        const subscription = (await api('POST', '/v1/subscriptions', { plan_id: plan.id, total_count: 4 })).body;
        await api('POST', `/v1/subscriptions/${subscription.id}/cancel`);
      };

      await cancelNewSubscription();
      const answered = await eventually(async () => (await deliveries()).find((delivery) => delivery.state === 'failed'));
      expect(answered.attempts.map((attempt) => attempt.status)).toEqual(Array(8).fill(503));
      expect(receiver.received).toHaveLength(8);
      expect(new Set(receiver.received.map((request) => request.headers['x-razorpay-event-id'])).size).toBe(1);

      // The same URL with nothing listening: every attempt is a connection error.
      await receiver.close();
      await cancelNewSubscription();
      const unanswered = await eventually(async () => (await deliveries()).filter((delivery) => delivery.state === 'failed')[1]);
      expect(unanswered.attempts).toHaveLength(8);
      for (const attempt of unanswered.attempts) expect(attempt).toMatchObject({ status: null, error: expect.stringMatching(/ECONNREFUSED|fetch failed/) });
    } finally {
      await fast.stop();
      await receiver.close();
    }
  });

  it('sends a batch in order, or twice, or newest first', async () => {
    const receiver = await startReceiver();
    try {
      const { key, subscriptionId } = await stripeAccount(receiver.url);
      const renewTypes = ['invoice.paid', 'customer.subscription.updated'];
      const received = async (count: number) => {
        await eventually(() => (receiver.received.length >= count ? true : undefined));
        return receiver.received.splice(0).map((request) => JSON.parse(request.body) as Stripe.Event);
      };

      await control(provider, key, `subscriptions/${subscriptionId}/renew`);
      const normal = await received(2);
      expect(normal.map((event) => event.type)).toEqual(renewTypes);

      expect((await control(provider, key, 'delivery', { mode: 'twice' })).body).toEqual({ mode: 'twice' });
      await control(provider, key, `subscriptions/${subscriptionId}/renew`);
      const twice = await received(4);
      expect(twice.map((event) => event.type)).toEqual([...renewTypes, ...renewTypes]);
      expect(twice[2]?.id).toBe(twice[0]?.id);
      expect(twice[3]?.id).toBe(twice[1]?.id);

      await control(provider, key, 'delivery', { mode: 'reverse' });
      await control(provider, key, `subscriptions/${subscriptionId}/renew`);
      const reversed = await received(2);
      expect(reversed.map((event) => event.type)).toEqual([...renewTypes].reverse());
      expect(reversed[1]?.created).toBeLessThanOrEqual(reversed[0]?.created ?? 0);
    } finally {
      await receiver.close();
    }
  });

  it('keeps deliveries in the outbox without a URL, in sending order, until drained', async () => {
    const { key, webhookSecret, stripe, subscriptionId } = await stripeAccount();
    await control(provider, key, 'delivery', { mode: 'reverse' });
    await control(provider, key, `subscriptions/${subscriptionId}/renew`);
    await control(provider, key, 'delivery', { mode: 'twice' });
    await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true });
    expect((await control(provider, key, 'accounts', undefined, 'GET')).body).toMatchObject({ provider: 'stripe', webhookUrl: null, outbox: 4, deliveryMode: 'twice' });
    const drained = await drain(provider, key);
    expect(drained.map((delivery) => delivery.type)).toEqual(['customer.subscription.updated', 'invoice.paid', 'customer.subscription.updated', 'customer.subscription.updated']);
    expect(drained[2]?.eventId).toBe(drained[3]?.eventId);
    for (const delivery of drained) {
      expect(delivery).toMatchObject({ provider: 'stripe', headers: { 'Content-Type': 'application/json' } });
      expect(stripe.webhooks.constructEvent(delivery.body, delivery.headers['Stripe-Signature'] ?? '', webhookSecret).id).toBe(delivery.eventId);
    }
    expect(await drain(provider, key)).toEqual([]);
  });

  it('delivers Razorpay webhooks with their signature and a stable X-Razorpay-Event-Id across retries', async () => {
    const receiver = await startReceiver((attempt) => (attempt === 1 ? 502 : 200));
    try {
      const keyId = uniqueKey('rzp_test_');
      await control(provider, keyId, 'accounts', { provider: 'razorpay', keySecret: 'secret', webhookSecret: 'rzp-hook-secret', webhookUrl: receiver.url }, 'PUT');
      const api = razorpayCaller(provider, keyId, 'secret');
      const plan = (await api('POST', '/v1/plans', { period: 'yearly', interval: 1, item: { name: 'Yearly', amount: 270000, currency: 'INR' } })).body;
      const subscription = (await api('POST', '/v1/subscriptions', { plan_id: plan.id, total_count: 3 })).body;
      await postForm(subscription.short_url, { email: 'r@example.com', contact: '9123456780', ...GOOD_CARD });
      await eventually(() => (receiver.received.length >= 4 ? true : undefined));
      const eventIds = receiver.received.map((request) => String(request.headers['x-razorpay-event-id']));
      // The first delivery got a 502; its retry went out after the other two, with the same id and body.
      const retries = receiver.received.filter((request) => request.headers['x-razorpay-event-id'] === eventIds[0]);
      expect(retries).toHaveLength(2);
      expect(retries[1]?.body).toBe(retries[0]?.body);
      expect(new Set(eventIds).size).toBe(3);
      for (const request of receiver.received) {
        expect(request.headers['x-razorpay-signature']).toBe(createHmac('sha256', 'rzp-hook-secret').update(request.body).digest('hex'));
      }
      const events = receiver.received.slice(0, 3).map((request) => JSON.parse(request.body).event);
      expect(events).toEqual(['subscription.authenticated', 'subscription.activated', 'subscription.charged']);
    } finally {
      await receiver.close();
    }
  });

  it('stops retrying when the provider stops', async () => {
    const receiver = await startReceiver(() => 500);
    const slow = await startTestProvider({ retryBaseMs: 60_000, log: () => {} });
    try {
      const key = uniqueKey('sk_test_');
      await control(slow, key, 'accounts', { webhookUrl: receiver.url }, 'PUT');
      await stripeClient(slow, key).customers.create({ email: 'x@example.com' });
      await eventually(() => (receiver.received.length === 1 ? true : undefined));
      const before = Date.now();
      await slow.stop();
      expect(Date.now() - before).toBeLessThan(1000);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('backs off 1 s, 2 s, 4 s … by default, never more than a minute', () => {
    expect([1, 2, 3, 4, 7].map((retry) => retryDelayMs(1000, retry))).toEqual([1000, 2000, 4000, 8000, MAX_RETRY_DELAY_MS]);
  });
});
