// The Razorpay side: its API over fetch with Basic auth, the hosted page posted like a browser,
// and webhooks checked with node:crypto as a Worker would check them.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterCycles } from './billing-cycle.ts';
import { startTestProvider } from './index.ts';
import type { TestProvider } from './index.ts';
import { control, drain, GOOD_CARD, postForm, razorpayCaller, uniqueKey } from './testing.ts';

let provider: TestProvider;
beforeAll(async () => {
  provider = await startTestProvider({ log: () => {} });
});
afterAll(() => provider.stop());

const READER = { email: 'priya@example.com', contact: '+91 98765 43210', ...GOOD_CARD };

/** A fresh account with its webhook secret registered, and a monthly ₹499 plan. */
async function setUp(planFields: Record<string, unknown> = {}) {
  const keyId = uniqueKey('rzp_test_');
  const webhookSecret = `secret-${keyId}`;
  const registered = await fetch(`${provider.url}/_control/accounts`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ provider: 'razorpay', keyId, keySecret: 'key-secret', webhookSecret }),
  });
  expect(registered.status).toBe(200);
  const api = razorpayCaller(provider, keyId, 'key-secret');
  const plan = await api('POST', '/v1/plans', { period: 'monthly', interval: 1, item: { name: 'Monthly digital', amount: 49900, currency: 'INR', description: 'All stories' }, notes: { tier: 'digital' }, ...planFields });
  expect(plan.status).toBe(200);
  return { keyId, webhookSecret, api, plan: plan.body };
}

type Api = Awaited<ReturnType<typeof setUp>>['api'];

async function newSubscription(api: Api, planId: string, fields: Record<string, unknown> = {}) {
  const created = await api('POST', '/v1/subscriptions', { plan_id: planId, total_count: 12, customer_notify: 1, notes: { reader: '7' }, ...fields });
  expect(created.status).toBe(200);
  return created.body;
}

/** Creates and pays a subscription on the hosted page; returns it active. */
async function activeSubscription(api: Api, planId: string, fields: Record<string, unknown> = {}) {
  const subscription = await newSubscription(api, planId, fields);
  const response = await postForm(subscription.short_url, READER);
  expect(response.status).toBe(200);
  return (await api('GET', `/v1/subscriptions/${subscription.id}`)).body;
}

const typesOf = (events: { type: string }[]) => events.map((event) => event.type);

describe('Razorpay subscriptions', () => {
  it('goes plan → subscription → hosted page → active, with signed webhooks', async () => {
    const { keyId, webhookSecret, api, plan } = await setUp();
    expect(plan).toMatchObject({ entity: 'plan', period: 'monthly', interval: 1, item: { name: 'Monthly digital', amount: 49900, currency: 'INR' }, notes: { tier: 'digital' } });
    expect(plan.id).toMatch(/^plan_/);
    expect((await api('GET', `/v1/plans/${plan.id}`)).body).toEqual(plan);
    expect((await api('GET', '/v1/plans?count=5')).body).toEqual({ entity: 'collection', count: 1, items: [plan] });

    const subscription = await newSubscription(api, plan.id);
    expect(subscription).toMatchObject({ entity: 'subscription', plan_id: plan.id, status: 'created', customer_id: null, total_count: 12, paid_count: 0, remaining_count: 12, quantity: 1, customer_notify: true, notes: { reader: '7' }, current_start: null, current_end: null, ended_at: null, auth_attempts: 0, has_scheduled_changes: false, change_scheduled_at: null, source: 'api' });
    expect(subscription.short_url).toBe(`${provider.url}/rzp/i/${subscription.id}`);

    const page = await (await fetch(subscription.short_url)).text();
    expect(page).toContain('Monthly digital');
    expect(page).toContain('₹499</strong> every month, 12 payments');
    expect(page).toContain('No money moves');
    expect(page).toMatch(/<label for="contact">Phone<\/label>\s*<input id="contact" name="contact" type="tel"/);

    const paid = await postForm(subscription.short_url, READER);
    expect(paid.status).toBe(200);
    expect(paid.headers.get('location')).toBeNull();
    const success = await paid.text();
    expect(success).toContain('Your payment succeeded');
    expect(success).toContain('You can close this tab and go back to the site.');

    const active = (await api('GET', `/v1/subscriptions/${subscription.id}`)).body;
    expect(active).toMatchObject({ status: 'active', paid_count: 1, remaining_count: 11, start_at: active.current_start, charge_at: active.current_end });
    expect(active.current_end).toBe(afterCycles(active.current_start, { unit: 'month', count: 1 }, 1));
    expect(active.end_at).toBe(afterCycles(active.current_start, { unit: 'month', count: 1 }, 12));
    const customer = (await api('GET', `/v1/customers/${active.customer_id}`)).body;
    expect(customer).toMatchObject({ entity: 'customer', email: 'priya@example.com', contact: '+91 98765 43210', name: 'Asha Rao' });

    const deliveries = await drain(provider, keyId);
    expect(typesOf(deliveries)).toEqual(['subscription.authenticated', 'subscription.activated', 'subscription.charged']);
    const ids = new Set<string>();
    for (const delivery of deliveries) {
      expect(delivery.headers['X-Razorpay-Signature']).toBe(createHmac('sha256', webhookSecret).update(delivery.body).digest('hex'));
      expect(delivery.headers['X-Razorpay-Signature']).not.toBe(createHmac('sha256', 'wrong').update(delivery.body).digest('hex'));
      expect(delivery.headers['X-Razorpay-Event-Id']).toBe(delivery.eventId);
      ids.add(delivery.eventId);
    }
    expect(ids.size).toBe(3);
    const [authenticated, activated, charged] = deliveries.map((delivery) => JSON.parse(delivery.body));
    expect(authenticated).toMatchObject({ entity: 'event', event: 'subscription.authenticated', contains: ['subscription'], payload: { subscription: { entity: { id: subscription.id, status: 'authenticated' } } } });
    expect(authenticated.account_id).toMatch(/^acc_/);
    expect(activated.payload.subscription.entity).toMatchObject({ status: 'active', paid_count: 1 });
    expect(charged).toMatchObject({ event: 'subscription.charged', contains: ['subscription', 'payment'], payload: { payment: { entity: { entity: 'payment', status: 'captured', amount: 49900, currency: 'INR', customer_id: customer.id, email: 'priya@example.com' } } } });
    expect(charged.created_at).toBeGreaterThanOrEqual(subscription.created_at);
  });

  it('declines 4000 0000 0000 0002 on the hosted page and changes nothing but auth_attempts', async () => {
    const { keyId, api, plan } = await setUp();
    const subscription = await newSubscription(api, plan.id);
    const declined = await postForm(subscription.short_url, { ...READER, number: '4000 0000 0000 0002' });
    expect(declined.status).toBe(402);
    const page = await declined.text();
    expect(page).toContain('Your card was declined.');
    expect(page).toContain('value="+91 98765 43210"');
    const missingPhone = await postForm(subscription.short_url, { ...READER, contact: '' });
    expect(missingPhone.status).toBe(400);
    expect(await missingPhone.text()).toMatch(/<input id="contact"[^>]*aria-invalid="true"/);
    expect((await api('GET', `/v1/subscriptions/${subscription.id}`)).body).toMatchObject({ status: 'created', auth_attempts: 1, customer_id: null });
    expect(await drain(provider, keyId)).toEqual([]);
  });

  it('renews, fails into pending and halted, and comes back when renewals pay again', async () => {
    const { keyId, api, plan } = await setUp();
    const subscription = await activeSubscription(api, plan.id);
    await drain(provider, keyId);

    const renewed = await control(provider, keyId, `subscriptions/${subscription.id}/renew`);
    expect(typesOf(renewed.body.events)).toEqual(['subscription.charged']);
    expect(renewed.body.subscription).toMatchObject({ status: 'active', paid_count: 2, remaining_count: 10, current_start: subscription.current_end });
    expect(renewed.body.subscription.current_end).toBe(afterCycles(subscription.current_start, { unit: 'month', count: 1 }, 2));

    await control(provider, keyId, `subscriptions/${subscription.id}/fail-next-renewal`, { fail: true });
    const failed = await control(provider, keyId, `subscriptions/${subscription.id}/renew`);
    expect(typesOf(failed.body.events)).toEqual(['payment.failed', 'subscription.pending']);
    expect(failed.body.subscription).toMatchObject({ status: 'pending', paid_count: 2, current_start: renewed.body.subscription.current_start });
    const halted = await control(provider, keyId, `subscriptions/${subscription.id}/renew`);
    expect(typesOf(halted.body.events)).toEqual(['payment.failed', 'subscription.halted']);
    expect(halted.body.subscription.status).toBe('halted');
    const stillHalted = await control(provider, keyId, `subscriptions/${subscription.id}/renew`);
    expect(typesOf(stillHalted.body.events)).toEqual(['payment.failed']);

    const deliveries = await drain(provider, keyId);
    const failure = JSON.parse(deliveries.find((delivery) => delivery.type === 'payment.failed')?.body ?? '{}');
    expect(failure).toMatchObject({ contains: ['payment'], payload: { payment: { entity: { status: 'failed', captured: false, error_reason: 'card_declined' } } } });
    const invoices = (await api('GET', `/v1/invoices?subscription_id=${subscription.id}`)).body;
    expect(invoices.items.map((invoice: { status: string }) => invoice.status)).toEqual(['issued', 'paid', 'paid']);

    await control(provider, keyId, `subscriptions/${subscription.id}/fail-next-renewal`, { fail: false });
    const recovered = await control(provider, keyId, `subscriptions/${subscription.id}/renew`);
    expect(typesOf(recovered.body.events)).toEqual(['subscription.activated', 'subscription.charged']);
    expect(recovered.body.subscription).toMatchObject({ status: 'active', paid_count: 3, current_start: renewed.body.subscription.current_end });
    const after = (await api('GET', `/v1/invoices?subscription_id=${subscription.id}`)).body;
    expect(after.items.map((invoice: { status: string }) => invoice.status)).toEqual(['paid', 'paid', 'paid']);
    expect(after.items[0]).toMatchObject({ entity: 'invoice', subscription_id: subscription.id, amount: 49900, amount_paid: 49900, currency: 'INR', billing_start: renewed.body.subscription.current_end });
  });

  it('cancels at cycle end: active until the renewal, which cancels it; then it cannot be cancelled again', async () => {
    const { keyId, api, plan } = await setUp();
    const subscription = await activeSubscription(api, plan.id);
    await drain(provider, keyId);
    const marked = await api('POST', `/v1/subscriptions/${subscription.id}/cancel`, { cancel_at_cycle_end: 1 });
    expect(marked.body).toMatchObject({ status: 'active', ended_at: null });
    expect(await drain(provider, keyId)).toEqual([]);
    const renewal = await control(provider, keyId, `subscriptions/${subscription.id}/renew`);
    expect(typesOf(renewal.body.events)).toEqual(['subscription.cancelled']);
    expect(renewal.body.subscription).toMatchObject({ status: 'cancelled', ended_at: subscription.current_end, paid_count: 1 });
    const again = await api('POST', `/v1/subscriptions/${subscription.id}/cancel`, { cancel_at_cycle_end: false });
    expect(again).toEqual({ status: 400, body: { error: expect.objectContaining({ code: 'BAD_REQUEST_ERROR', description: 'Subscription is not cancellable in cancelled status.', field: 'status' }) } });
    expect((await control(provider, keyId, `subscriptions/${subscription.id}/renew`)).status).toBe(409);
  });

  it('cancels at once through the API and through the control', async () => {
    const { keyId, api, plan } = await setUp();
    const first = await activeSubscription(api, plan.id);
    const second = await activeSubscription(api, plan.id);
    await drain(provider, keyId);
    const cancelled = await api('POST', `/v1/subscriptions/${first.id}/cancel`, { cancel_at_cycle_end: false });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', charge_at: null });
    expect(cancelled.body.ended_at).toBeGreaterThanOrEqual(first.current_start);
    const byControl = await control(provider, keyId, `subscriptions/${second.id}/cancel`);
    expect(byControl.body).toMatchObject({ subscription: { status: 'cancelled' }, events: [{ type: 'subscription.cancelled' }] });
    expect(typesOf(await drain(provider, keyId))).toEqual(['subscription.cancelled', 'subscription.cancelled']);
    // A link never paid can be cancelled too; then its page says so.
    const unpaid = await newSubscription(api, plan.id);
    await api('POST', `/v1/subscriptions/${unpaid.id}/cancel`);
    expect(await (await fetch(unpaid.short_url)).text()).toContain('This subscription was cancelled');
  });

  it('completes after total_count charges', async () => {
    const { keyId, api, plan } = await setUp();
    const subscription = await activeSubscription(api, plan.id, { total_count: 2 });
    const last = await control(provider, keyId, `subscriptions/${subscription.id}/renew`);
    expect(last.body.subscription).toMatchObject({ status: 'active', paid_count: 2, remaining_count: 0, charge_at: null });
    const done = await control(provider, keyId, `subscriptions/${subscription.id}/renew`);
    expect(typesOf(done.body.events)).toEqual(['subscription.completed']);
    expect(done.body.subscription).toMatchObject({ status: 'completed', ended_at: last.body.subscription.current_end });
  });

  it('refunds a payment, partly or in full, never more than was captured', async () => {
    const { api, plan } = await setUp();
    const subscription = await activeSubscription(api, plan.id);
    const [invoice] = (await api('GET', `/v1/invoices?subscription_id=${subscription.id}`)).body.items;
    expect(invoice).toMatchObject({ status: 'paid', customer_id: subscription.customer_id, billing_start: subscription.current_start, billing_end: subscription.current_end });
    const payment = (await api('GET', `/v1/payments/${invoice.payment_id}`)).body;
    expect(payment).toMatchObject({ entity: 'payment', status: 'captured', captured: true, amount: 49900, invoice_id: invoice.id, method: 'card', card: { last4: '4242' } });
    const part = await api('POST', `/v1/payments/${payment.id}/refund`, { amount: 10000, notes: { why: 'late delivery' } });
    expect(part.body).toMatchObject({ entity: 'refund', amount: 10000, currency: 'INR', payment_id: payment.id, status: 'processed', notes: { why: 'late delivery' } });
    expect(part.body.id).toMatch(/^rfnd_/);
    expect((await api('POST', `/v1/payments/${payment.id}/refund`, { amount: 40000 })).body.error.description).toBe('The refund amount provided is greater than amount captured');
    const rest = await api('POST', `/v1/payments/${payment.id}/refund`);
    expect(rest.body.amount).toBe(39900);
    expect((await api('GET', `/v1/payments/${payment.id}`)).body).toMatchObject({ amount_refunded: 49900, refund_status: 'full' });
    expect((await api('POST', `/v1/payments/${payment.id}/refund`)).status).toBe(400);
    expect((await api('GET', `/v1/payments/${payment.id}/refunds`)).body.count).toBe(2);
  });

  it('creates customers, refusing a duplicate unless fail_existing is 0', async () => {
    const { api } = await setUp();
    const created = await api('POST', '/v1/customers', { name: 'Gaurav', email: 'gaurav@example.com', contact: '9123456780' });
    expect(created.body).toMatchObject({ entity: 'customer', name: 'Gaurav', email: 'gaurav@example.com', contact: '9123456780' });
    expect(created.body.id).toMatch(/^cust_/);
    const duplicate = await api('POST', '/v1/customers', { name: 'Gaurav', email: 'gaurav@example.com', contact: '9123456780' });
    expect(duplicate.status).toBe(400);
    expect((await api('POST', '/v1/customers', { email: 'gaurav@example.com', contact: '9123456780', fail_existing: '0' })).body.id).toBe(created.body.id);
  });

  it('checks requests and answers in Razorpay’s error format', async () => {
    const { api, plan } = await setUp();
    const cases: [string, string, unknown, string, string | undefined][] = [
      ['POST', '/v1/subscriptions', { plan_id: plan.id }, 'The total count field is required.', 'total_count'],
      ['POST', '/v1/subscriptions', { plan_id: 'plan_missing', total_count: 1 }, 'The id provided does not exist', 'plan_id'],
      ['POST', '/v1/subscriptions', { plan_id: plan.id, total_count: 'twelve' }, 'total_count must be an integer', 'total_count'],
      ['POST', '/v1/subscriptions', { plan_id: plan.id, total_count: 1, upfront_amount: 100 }, 'upfront_amount is/are not required and should not be sent', 'upfront_amount'],
      ['POST', '/v1/subscriptions', { plan_id: plan.id, total_count: 1, offer_id: 'offer_x' }, 'The id provided does not exist', 'offer_id'],
      ['POST', '/v1/subscriptions', { plan_id: plan.id, total_count: 1, notes: Object.fromEntries(Array.from({ length: 16 }, (_, index) => [`k${index}`, 'v'])) }, 'at most 15 keys', 'notes'],
      ['POST', '/v1/plans', { period: 'fortnightly', interval: 1, item: { name: 'x', amount: 100, currency: 'INR' } }, 'period must be one of daily, weekly, monthly, yearly', 'period'],
      ['POST', '/v1/plans', { period: 'daily', interval: 1, item: { name: 'x', amount: 100, currency: 'INR' } }, 'at least 7', 'interval'],
      ['POST', '/v1/plans', { period: 'monthly', interval: 1, item: { name: 'x', amount: 99, currency: 'INR' } }, 'item.amount must be at least 100', 'item.amount'],
      ['GET', '/v1/subscriptions/sub_missing', undefined, 'The id provided does not exist', 'id'],
    ];
    for (const [method, path, body, description, field] of cases) {
      const { status, body: answer } = await api(method, path, body);
      expect(status, description).toBe(400);
      expect(answer.error, description).toMatchObject({ code: 'BAD_REQUEST_ERROR', field, source: 'business', step: 'payment_initiation', reason: 'input_validation_failed', metadata: {} });
      expect(answer.error.description, description).toContain(description);
    }
  });
});
