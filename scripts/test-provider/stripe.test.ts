// The Stripe side, driven by the real `stripe` SDK and by form posts like a browser's.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterCycles } from './billing-cycle.ts';
import { startTestProvider } from './index.ts';
import type { TestProvider } from './index.ts';
import { control, drain, GOOD_CARD, postForm, stripeClient, uniqueKey } from './testing.ts';

let provider: TestProvider;
beforeAll(async () => {
  provider = await startTestProvider({ log: () => {} });
});
afterAll(() => provider.stop());

const SUCCESS_URL = 'https://news.example/welcome?session={CHECKOUT_SESSION_ID}';
const CANCEL_URL = 'https://news.example/subscribe';

/** A fresh account, its SDK client, and a yearly ₹2,700 price. */
async function setUp(): Promise<{ key: string; stripe: Stripe; price: Stripe.Price; secret: string }> {
  const key = uniqueKey('sk_test_');
  const stripe = stripeClient(provider, key);
  const price = await stripe.prices.create({ currency: 'inr', unit_amount: 270000, recurring: { interval: 'month', interval_count: 12 }, product_data: { name: 'Premium' } });
  const { body } = await control(provider, key, 'accounts', undefined, 'GET');
  return { key, stripe, price, secret: body.webhookSecret };
}

async function checkout(stripe: Stripe, price: Stripe.Price, extra: Partial<Stripe.Checkout.SessionCreateParams> = {}): Promise<Stripe.Checkout.Session> {
  return stripe.checkout.sessions.create({
    mode: 'subscription',
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: SUCCESS_URL,
    cancel_url: CANCEL_URL,
    ...extra,
  });
}

/** Pays through the hosted form with 4242 and returns the subscription. */
async function subscribe(stripe: Stripe, price: Stripe.Price, email = 'asha@example.com'): Promise<Stripe.Subscription> {
  const session = await checkout(stripe, price);
  const response = await postForm(session.url ?? '', { email, ...GOOD_CARD });
  expect(response.status).toBe(303);
  const paid = await stripe.checkout.sessions.retrieve(session.id);
  return stripe.subscriptions.retrieve(String(paid.subscription));
}

const periodOf = (subscription: Stripe.Subscription) => {
  const item = subscription.items.data[0];
  return { start: item?.current_period_start ?? 0, end: item?.current_period_end ?? 0 };
};

describe('Stripe Checkout', () => {
  it('pays a session made from a price id through the hosted form, then redirects with the session id', async () => {
    const { stripe, price } = await setUp();
    const session = await checkout(stripe, price, { client_reference_id: 'reader-42', metadata: { plan: 'yearly' }, subscription_data: { metadata: { reader: '42' } } });
    expect(session).toMatchObject({ object: 'checkout.session', status: 'open', payment_status: 'unpaid', amount_total: 270000, currency: 'inr', livemode: false, mode: 'subscription' });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toBe(`${provider.url}/c/pay/${session.id}`);
    expect(session.expires_at - session.created).toBe(24 * 3600);

    const form = await (await fetch(session.url ?? '')).text();
    expect(form).toContain('Premium');
    expect(form).toContain('₹2,700</strong> every 12 months');
    expect(form).toContain('No money moves');
    expect(form).toContain(`href="${CANCEL_URL}">Back</a>`);
    expect(form).toMatch(/<label for="email">Email<\/label>\s*<input id="email"[^>]*required/);

    const response = await postForm(session.url ?? '', { email: 'asha@example.com', ...GOOD_CARD });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`https://news.example/welcome?session=${session.id}`);

    const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription', 'customer'] });
    expect(paid).toMatchObject({ status: 'complete', payment_status: 'paid', url: null, client_reference_id: 'reader-42', metadata: { plan: 'yearly' }, customer_details: { email: 'asha@example.com', name: 'Asha Rao' } });
    const customer = paid.customer as Stripe.Customer;
    const subscription = paid.subscription as Stripe.Subscription;
    expect(customer).toMatchObject({ object: 'customer', email: 'asha@example.com' });
    expect(subscription).toMatchObject({ object: 'subscription', status: 'active', customer: customer.id, metadata: { reader: '42' }, cancel_at_period_end: false, currency: 'inr' });
  });

  it('gives the subscription the 2026 shape: the period and full price on its item, the first invoice paid', async () => {
    const { stripe, price } = await setUp();
    const subscription = await subscribe(stripe, price);
    const item = subscription.items.data[0];
    expect(item?.price).toMatchObject({ id: price.id, object: 'price', unit_amount: 270000, recurring: { interval: 'month', interval_count: 12 } });
    expect(item?.quantity).toBe(1);
    expect(item?.current_period_start).toBe(subscription.start_date);
    expect(item?.current_period_end).toBe(afterCycles(subscription.start_date, { unit: 'month', count: 12 }, 1));
    expect(subscription).toMatchObject({ ended_at: null, canceled_at: null, cancel_at: null, created: subscription.start_date });

    const expanded = await stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice.payments'] });
    const invoice = expanded.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({
      object: 'invoice',
      status: 'paid',
      billing_reason: 'subscription_create',
      amount_due: 270000,
      amount_paid: 270000,
      currency: 'inr',
      parent: { type: 'subscription_details', subscription_details: { subscription: subscription.id } },
    });
    expect(invoice.status_transitions.paid_at).toBeGreaterThanOrEqual(subscription.created);
    expect(invoice.lines.data[0]?.period).toEqual({ start: item?.current_period_start, end: item?.current_period_end });
    const payment = invoice.payments?.data[0];
    expect(payment).toMatchObject({ object: 'invoice_payment', status: 'paid', amount_paid: 270000, payment: { type: 'payment_intent' } });
    const intent = await stripe.paymentIntents.retrieve(String(payment?.payment.payment_intent));
    expect(intent).toMatchObject({ status: 'succeeded', amount: 270000, amount_received: 270000, customer: subscription.customer });

    // `payments` is includable: only there when asked for, as in Stripe.
    const plain = await stripe.invoices.retrieve(invoice.id);
    expect(plain.payments).toBeUndefined();
    const listed = await stripe.invoices.list({ subscription: subscription.id });
    expect(listed.data.map((listedInvoice) => listedInvoice.id)).toEqual([invoice.id]);
  });

  it('makes the price and product from price_data, and asks no email when customer_email is given', async () => {
    const { stripe } = await setUp();
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer_email: 'ravi@example.com',
      line_items: [{ price_data: { currency: 'inr', unit_amount: 29900, recurring: { interval: 'month' }, product_data: { name: 'Monthly' } }, quantity: 1 }],
      success_url: 'https://news.example/done',
    });
    const form = await (await fetch(session.url ?? '')).text();
    expect(form).toMatch(/<input id="email"[^>]*value="ravi@example.com" readonly/);
    expect(form).toContain('₹299</strong> every month');
    // An email posted alongside is ignored: the session's own is used.
    const response = await postForm(session.url ?? '', { email: 'someone@else.example', ...GOOD_CARD });
    expect(response.headers.get('location')).toBe('https://news.example/done');
    const paid = await stripe.checkout.sessions.retrieve(session.id, { expand: ['customer', 'subscription'] });
    expect((paid.customer as Stripe.Customer).email).toBe('ravi@example.com');
    const item = (paid.subscription as Stripe.Subscription).items.data[0];
    expect(item?.price).toMatchObject({ unit_amount: 29900, currency: 'inr', recurring: { interval: 'month', interval_count: 1 } });
    expect((await stripe.products.retrieve(String(item?.price.product))).name).toBe('Monthly');
  });

  it('reuses the customer it is given', async () => {
    const { stripe, price } = await setUp();
    const customer = await stripe.customers.create({ email: 'meera@example.com', name: 'Meera' });
    const session = await checkout(stripe, price, { customer: customer.id });
    const form = await (await fetch(session.url ?? '')).text();
    expect(form).toMatch(/value="meera@example.com" readonly/);
    await postForm(session.url ?? '', GOOD_CARD);
    const paid = await stripe.checkout.sessions.retrieve(session.id);
    expect(paid.customer).toBe(customer.id);
    expect((await stripe.customers.list({ email: 'meera@example.com' })).data.map((found) => found.id)).toEqual([customer.id]);
  });

  it('declines 4000 0000 0000 0002 and creates nothing', async () => {
    const { key, stripe, price } = await setUp();
    const session = await checkout(stripe, price);
    await drain(provider, key);
    const response = await postForm(session.url ?? '', { ...GOOD_CARD, email: 'asha@example.com', number: '4000 0000 0000 0002' });
    expect(response.status).toBe(402);
    const page = await response.text();
    expect(page).toContain('Your card was declined. Try another card; in test mode 4242 4242 4242 4242 pays.');
    expect(page).toContain('value="asha@example.com"');
    expect(page).not.toMatch(/value="4000/);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    expect((await stripe.customers.list()).data).toEqual([]);
    expect((await stripe.subscriptions.list({ status: 'all' })).data).toEqual([]);
    expect(await drain(provider, key)).toEqual([]);
  });

  it.each([
    [{ number: '4242 4242 4242 4241' }, 'number', 'Your card number is invalid.'],
    [{ number: '5555 5555 5555 4444' }, 'number', 'This is not a test card.'],
    [{ expiry: '01 / 20' }, 'expiry', 'expiry date is in the past'],
    [{ expiry: '2034-12' }, 'expiry', 'Enter the expiry date as MM / YY'],
    [{ cvc: '1' }, 'cvc', 'security code (CVC) is 3 or 4 digits'],
    [{ email: 'not-an-email' }, 'email', 'Enter your email address'],
  ])('refuses %j on the form with a clear message', async (fields, field, message) => {
    const { stripe, price } = await setUp();
    const session = await checkout(stripe, price);
    const response = await postForm(session.url ?? '', { email: 'asha@example.com', ...GOOD_CARD, ...fields });
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain(message);
    expect(page).toMatch(new RegExp(`<input id="${field}"[^>]*aria-invalid="true" aria-describedby="form-error"`));
    expect(page).not.toMatch(/value="[\d ]{12,}"/);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
  });

  it('shows a clear page, not a second subscription, for a paid or expired session', async () => {
    const { stripe, price } = await setUp();
    const session = await checkout(stripe, price);
    await postForm(session.url ?? '', { email: 'asha@example.com', ...GOOD_CARD });
    const again = await postForm(session.url ?? '', { email: 'asha@example.com', ...GOOD_CARD });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already been paid');
    expect((await stripe.subscriptions.list()).data).toHaveLength(1);

    const other = await checkout(stripe, price);
    expect(await stripe.checkout.sessions.expire(other.id)).toMatchObject({ status: 'expired' });
    const expired = await fetch(other.url ?? '');
    expect(await expired.text()).toContain('This checkout has expired');
    await expect(stripe.checkout.sessions.expire(other.id)).rejects.toThrow('Only Checkout Sessions with a status in ["open"] can be expired');
  });

  it('validates sessions like Stripe', async () => {
    const { stripe, price } = await setUp();
    const oneTime = await stripe.prices.create({ currency: 'inr', unit_amount: 500, product_data: { name: 'Single issue' } });
    const base = { success_url: SUCCESS_URL };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ line_items: [{ price: price.id, quantity: 1 }] }, 'mode', 'Missing required param: mode.'],
      [{ mode: 'subscription', line_items: [{ price: price.id, price_data: { currency: 'inr', unit_amount: 1, recurring: { interval: 'month' }, product_data: { name: 'x' } }, quantity: 1 }] }, 'line_items[0][price]', 'only specify one of these parameters: price, price_data'],
      [{ mode: 'subscription', line_items: [{ quantity: 1 }] }, 'line_items[0][price]', 'either `price` or `price_data`'],
      [{ mode: 'subscription', line_items: [{ price: price.id }] }, 'line_items[0][quantity]', 'Quantity is required'],
      [{ mode: 'subscription', line_items: [{ price: 'price_missing', quantity: 1 }] }, 'line_items[0][price]', "No such price: 'price_missing'"],
      [{ mode: 'subscription', line_items: [{ price: oneTime.id, quantity: 1 }] }, 'line_items[0][price]', 'at least one recurring price'],
      [{ mode: 'subscription', line_items: [{ price_data: { currency: 'inr', unit_amount: 100, recurring: { interval: 'month', interval_count: 37 }, product_data: { name: 'x' } }, quantity: 1 }] }, 'line_items[0][price_data][recurring][interval_count]', 'maximum billing period is 3 years'],
      [{ mode: 'subscription', line_items: [{ price_data: { currency: 'inr', unit_amount: 0, recurring: { interval: 'year' }, product_data: { name: 'x' } }, quantity: 1 }] }, 'line_items[0][price_data][unit_amount]', 'must be at least 1'],
      [{ mode: 'subscription', line_items: [{ price_data: { currency: 'inr', unit_amount: 100, recurring: { interval: 'year' } }, quantity: 1 }] }, 'line_items[0][price_data][product_data][name]', 'product_data'],
      [{ mode: 'subscription', customer: 'cus_missing', line_items: [{ price: price.id, quantity: 1 }] }, 'customer', "No such customer: 'cus_missing'"],
      [{ mode: 'subscription', customer: 'cus_x', customer_email: 'a@b.co', line_items: [{ price: price.id, quantity: 1 }] }, 'customer_email', 'only specify one of these parameters: customer, customer_email'],
      [{ mode: 'payment', line_items: [{ price: price.id, quantity: 1 }] }, 'mode', 'only mode=subscription'],
      [{ mode: 'subscription', success_url: 'not a url', line_items: [{ price: price.id, quantity: 1 }] }, 'success_url', 'Not a valid URL'],
    ];
    for (const [params, param, message] of cases) {
      const error = await stripe.checkout.sessions.create({ ...base, ...params } as Stripe.Checkout.SessionCreateParams).catch((caught: unknown) => caught);
      expect(error, JSON.stringify(params)).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect((error as Stripe.errors.StripeError).param, JSON.stringify(params)).toBe(param);
      expect((error as Stripe.errors.StripeError).message, JSON.stringify(params)).toContain(message);
    }
  });
});

describe('Stripe webhooks', () => {
  it('signs events so stripe.webhooks.constructEvent accepts them, and refuses a wrong secret', async () => {
    const { key, stripe, price, secret } = await setUp();
    await drain(provider, key);
    const subscription = await subscribe(stripe, price);
    const deliveries = await drain(provider, key);
    expect(deliveries.map((delivery) => delivery.type)).toEqual([
      'customer.created',
      'customer.subscription.created',
      'invoice.paid',
      'customer.subscription.updated',
      'checkout.session.completed',
    ]);
    for (const delivery of deliveries) {
      expect(delivery.headers['Content-Type']).toBe('application/json');
      const event = stripe.webhooks.constructEvent(delivery.body, delivery.headers['Stripe-Signature'] ?? '', secret);
      expect(event).toMatchObject({ id: delivery.eventId, object: 'event', type: delivery.type, livemode: false, api_version: '2026-10-28.endive' });
      expect(() => stripe.webhooks.constructEvent(delivery.body, delivery.headers['Stripe-Signature'] ?? '', 'whsec_wrong')).toThrow(Stripe.errors.StripeSignatureVerificationError);
      expect(() => stripe.webhooks.constructEvent(delivery.body.replace('"livemode": false', '"livemode": true'), delivery.headers['Stripe-Signature'] ?? '', secret)).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );
    }
    const [, created, paid, updated, completed] = deliveries.map((delivery) => JSON.parse(delivery.body) as Stripe.Event);
    // Stripe creates the subscription incomplete; paying its first invoice activates it.
    expect(created?.data.object).toMatchObject({ id: subscription.id, status: 'incomplete' });
    expect(paid?.data.object).toMatchObject({ object: 'invoice', status: 'paid', billing_reason: 'subscription_create' });
    expect(updated?.data).toMatchObject({ object: { id: subscription.id, status: 'active' }, previous_attributes: { status: 'incomplete' } });
    expect(completed?.data.object).toMatchObject({ object: 'checkout.session', status: 'complete', subscription: subscription.id });
    expect(await stripe.events.retrieve(completed?.id ?? '')).toMatchObject({ type: 'checkout.session.completed' });
  });
});

describe('Stripe renewals and the portal', () => {
  it('renews: a new paid subscription_cycle invoice and the period one interval on', async () => {
    const { key, stripe, price } = await setUp();
    const subscription = await subscribe(stripe, price);
    const first = periodOf(subscription);
    await drain(provider, key);
    const { status, body } = await control(provider, key, `subscriptions/${subscription.id}/renew`);
    expect(status).toBe(200);
    expect(body.events.map((event: { type: string }) => event.type)).toEqual(['invoice.paid', 'customer.subscription.updated']);
    const renewed = await stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice'] });
    expect(renewed.status).toBe('active');
    expect(periodOf(renewed)).toEqual({ start: first.end, end: afterCycles(first.start, { unit: 'month', count: 12 }, 2) });
    const invoice = renewed.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ status: 'paid', billing_reason: 'subscription_cycle', amount_paid: 270000 });
    // As in Stripe, the invoice's own period is the one before; the line has the billed period.
    expect(invoice).toMatchObject({ period_start: first.start, period_end: first.end });
    expect(invoice.lines.data[0]?.period).toEqual({ start: first.end, end: periodOf(renewed).end });
    const [, updated] = (await drain(provider, key)).map((delivery) => JSON.parse(delivery.body) as Stripe.Event);
    expect(updated?.data.previous_attributes).toHaveProperty('items');
    expect(updated?.data.previous_attributes).toHaveProperty('latest_invoice', subscription.latest_invoice);
  });

  it('fails a renewal: past_due with the period already on; retries fail; a good card in the portal makes it active', async () => {
    const { key, stripe, price } = await setUp();
    const subscription = await subscribe(stripe, price);
    const first = periodOf(subscription);
    expect((await control(provider, key, `subscriptions/${subscription.id}/fail-next-renewal`)).body).toEqual({ subscription: subscription.id, failNextRenewal: true });
    await drain(provider, key);

    const failed = await control(provider, key, `subscriptions/${subscription.id}/renew`);
    expect(failed.body.events.map((event: { type: string }) => event.type)).toEqual(['invoice.payment_failed', 'customer.subscription.updated']);
    const pastDue = await stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice.payments'] });
    expect(pastDue.status).toBe('past_due');
    expect(periodOf(pastDue).start).toBe(first.end);
    const openInvoice = pastDue.latest_invoice as Stripe.Invoice;
    expect(openInvoice).toMatchObject({ status: 'open', amount_paid: 0, amount_remaining: 270000, attempt_count: 1, billing_reason: 'subscription_cycle' });
    const intentId = String(openInvoice.payments?.data[0]?.payment.payment_intent);
    expect(await stripe.paymentIntents.retrieve(intentId)).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'card_declined' } });

    const retried = await control(provider, key, `subscriptions/${subscription.id}/renew`);
    expect(retried.body.events.map((event: { type: string }) => event.type)).toEqual(['invoice.payment_failed']);
    expect(await stripe.invoices.retrieve(openInvoice.id)).toMatchObject({ status: 'open', attempt_count: 2 });
    expect(periodOf(await stripe.subscriptions.retrieve(subscription.id))).toEqual(periodOf(pastDue));
    await drain(provider, key);

    const portal = await stripe.billingPortal.sessions.create({ customer: String(subscription.customer), return_url: 'https://news.example/account' });
    expect(portal).toMatchObject({ object: 'billing_portal.session', customer: subscription.customer, return_url: 'https://news.example/account', livemode: false });
    expect(portal.url).toBe(`${provider.url}/p/session/${portal.id}`);
    const portalPage = await (await fetch(portal.url)).text();
    expect(portalPage).toContain('Past due');
    expect(portalPage).toContain('href="https://news.example/account">Return to news.example</a>');
    const cardUrl = `${portal.url}/subscriptions/${subscription.id}/card`;
    expect(await (await fetch(cardUrl)).text()).toContain('The open invoice is paid with this card');
    const declined = await postForm(cardUrl, { ...GOOD_CARD, number: '4000000000000002' });
    expect(declined.status).toBe(402);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('past_due');
    const saved = await postForm(cardUrl, GOOD_CARD);
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`/p/session/${portal.id}?done=invoice-paid`);

    const recovered = await stripe.subscriptions.retrieve(subscription.id);
    expect(recovered.status).toBe('active');
    expect(recovered.default_payment_method).not.toBe(subscription.default_payment_method);
    expect(await stripe.invoices.retrieve(openInvoice.id)).toMatchObject({ status: 'paid', amount_paid: 270000 });
    expect((await drain(provider, key)).map((delivery) => delivery.type)).toEqual(['invoice.paid', 'customer.subscription.updated']);
    // The new card pays the next renewal too.
    await control(provider, key, `subscriptions/${subscription.id}/renew`);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('active');
  });

  it('cancels at period end and undoes it, through the API and the portal', async () => {
    const { key, stripe, price } = await setUp();
    const subscription = await subscribe(stripe, price);
    await drain(provider, key);
    const cancelling = await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    expect(cancelling).toMatchObject({ status: 'active', cancel_at_period_end: true, cancel_at: periodOf(subscription).end, cancellation_details: { reason: 'cancellation_requested' } });
    expect(cancelling.canceled_at).toBeGreaterThanOrEqual(subscription.created);
    const undone = await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false });
    expect(undone).toMatchObject({ status: 'active', cancel_at_period_end: false, cancel_at: null, canceled_at: null });
    const events = (await drain(provider, key)).map((delivery) => JSON.parse(delivery.body) as Stripe.Event);
    expect(events.map((event) => [event.type, event.data.previous_attributes])).toEqual([
      ['customer.subscription.updated', expect.objectContaining({ cancel_at_period_end: false, cancel_at: null })],
      ['customer.subscription.updated', expect.objectContaining({ cancel_at_period_end: true })],
    ]);
    expect(events[0]?.request?.id).toMatch(/^req_/);

    const portal = await stripe.billingPortal.sessions.create({ customer: String(subscription.customer), return_url: 'https://news.example/account' });
    const action = `${portal.url}/subscriptions/${subscription.id}/cancel-at-period-end`;
    expect(await (await fetch(portal.url)).text()).toContain('Cancel at period end');
    expect((await postForm(action, { cancel: 'true' })).status).toBe(303);
    expect((await stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(true);
    expect(await (await fetch(portal.url)).text()).toContain("Don&#39;t cancel");
    await postForm(action, { cancel: 'false' });
    expect((await stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end).toBe(false);
  });

  it('ends a subscription set to cancel at period end when the renewal comes', async () => {
    const { key, stripe, price } = await setUp();
    const subscription = await subscribe(stripe, price);
    await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    await drain(provider, key);
    const renewal = await control(provider, key, `subscriptions/${subscription.id}/renew`);
    expect(renewal.body.events.map((event: { type: string }) => event.type)).toEqual(['customer.subscription.deleted']);
    const ended = await stripe.subscriptions.retrieve(subscription.id);
    expect(ended).toMatchObject({ status: 'canceled', ended_at: periodOf(subscription).end, cancel_at_period_end: true });
    expect((await stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(1);
    const again = await control(provider, key, `subscriptions/${subscription.id}/renew`);
    expect(again.status).toBe(409);
    await expect(stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false })).rejects.toThrow('A canceled subscription can only update');
  });

  it('cancels now with DELETE and with the control', async () => {
    const { key, stripe, price } = await setUp();
    const first = await subscribe(stripe, price);
    const second = await subscribe(stripe, price, 'other@example.com');
    await drain(provider, key);
    const canceled = await stripe.subscriptions.cancel(first.id);
    expect(canceled).toMatchObject({ id: first.id, status: 'canceled' });
    expect(canceled.ended_at).toBe(canceled.canceled_at);
    const byControl = await control(provider, key, `subscriptions/${second.id}/cancel`);
    expect(byControl.body).toMatchObject({ subscription: { id: second.id, status: 'canceled' }, events: [{ type: 'customer.subscription.deleted' }] });
    expect((await drain(provider, key)).map((delivery) => delivery.type)).toEqual(['customer.subscription.deleted', 'customer.subscription.deleted']);
    await expect(stripe.subscriptions.cancel(first.id)).rejects.toThrow('already canceled');
    expect((await stripe.subscriptions.list()).data).toEqual([]);
    expect((await stripe.subscriptions.list({ status: 'canceled' })).data).toHaveLength(2);
  });

  it('pays a checkout through the pay control, with the same checks as the form', async () => {
    const { key, stripe, price } = await setUp();
    const session = await checkout(stripe, price);
    const refused = await control(provider, key, `checkouts/${session.id}/pay`, { email: 'asha@example.com', card: { number: '4000 0000 0000 0002' } });
    expect(refused).toEqual({ status: 402, body: { paid: false, error: { message: expect.stringContaining('declined'), field: 'number' } } });
    const paid = await control(provider, key, `checkouts/${session.id}/pay`, { email: 'asha@example.com' });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ paid: true, redirectUrl: `https://news.example/welcome?session=${session.id}`, subscription: { status: 'active' }, session: { status: 'complete' } });
    expect((await stripe.checkout.sessions.retrieve(session.id)).subscription).toBe(paid.body.subscription.id);
  });
});

describe('Stripe refunds, idempotency and namespaces', () => {
  it('refunds a first payment, partly and then the rest, never more than was paid', async () => {
    const { stripe, price } = await setUp();
    const subscription = await subscribe(stripe, price);
    const invoice = (await stripe.subscriptions.retrieve(subscription.id, { expand: ['latest_invoice.payments'] })).latest_invoice as Stripe.Invoice;
    const intent = String(invoice.payments?.data[0]?.payment.payment_intent);
    const part = await stripe.refunds.create({ payment_intent: intent, amount: 70000, metadata: { reason: 'goodwill' } });
    expect(part).toMatchObject({ object: 'refund', amount: 70000, currency: 'inr', payment_intent: intent, status: 'succeeded', metadata: { reason: 'goodwill' } });
    await expect(stripe.refunds.create({ payment_intent: intent, amount: 200001 })).rejects.toMatchObject({ code: 'amount_too_large', param: 'amount' });
    const rest = await stripe.refunds.create({ payment_intent: intent });
    expect(rest.amount).toBe(200000);
    await expect(stripe.refunds.create({ payment_intent: intent, amount: 1 })).rejects.toMatchObject({ code: 'charge_already_refunded' });
    expect((await stripe.refunds.list({ payment_intent: intent })).data.map((refund) => refund.id)).toEqual([rest.id, part.id]);
    await expect(stripe.refunds.create({ payment_intent: 'pi_missing' })).rejects.toMatchObject({ code: 'resource_missing', statusCode: 404 });
  });

  it('replays a POST with the same Idempotency-Key and refuses the key for other parameters', async () => {
    const { stripe } = await setUp();
    const first = await stripe.customers.create({ email: 'same@example.com' }, { idempotencyKey: 'signup-1' });
    const second = await stripe.customers.create({ email: 'same@example.com' }, { idempotencyKey: 'signup-1' });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect((await stripe.customers.list()).data).toHaveLength(1);
    await expect(stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: 'signup-1' })).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    // The key belongs to the account: another account may use it for its own request.
    const other = stripeClient(provider, uniqueKey('sk_test_'));
    expect((await other.customers.create({ email: 'same@example.com' }, { idempotencyKey: 'signup-1' })).id).not.toBe(first.id);
  });

  it('keeps each key to its own data, webhooks and controls', async () => {
    const a = await setUp();
    const b = await setUp();
    const subscription = await subscribe(a.stripe, a.price);
    await expect(b.stripe.subscriptions.retrieve(subscription.id)).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing', message: `No such subscription: '${subscription.id}'` });
    await expect(b.stripe.customers.retrieve(String(subscription.customer))).rejects.toMatchObject({ statusCode: 404 });
    await expect(b.stripe.prices.retrieve(a.price.id)).rejects.toMatchObject({ statusCode: 404 });
    expect((await b.stripe.customers.list()).data).toEqual([]);
    expect(await drain(provider, b.key)).toEqual([]);
    expect((await drain(provider, a.key)).length).toBeGreaterThan(0);
    expect((await control(provider, b.key, `subscriptions/${subscription.id}/renew`)).status).toBe(404);
  });
});
