// What the journeys over HTTP share to pay and to prove an email, as a reader of `npm start`
// does: the local test-mode provider's controls (its hosted page's "pay", its test clock), the
// webhooks it delivers to the site, and the log-in link from the local outbox. A journey that
// needs a subscriber makes its own with `newSubscriber`, so no two share a gift allowance.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { expect, inject } from 'vitest';
import { PAGES } from '../src/paywall/contract.ts';
import { plansFile, type Plan } from '../src/paywall/plans.ts';
import { settings } from '../src/paywall/settings.ts';
import { linkFromOutbox } from './outbox.ts';
import { Reader, type Page } from './reader.ts';

const secrets = parseEnv(readFileSync('.dev.vars', 'utf8'));
const key = settings.payments.provider === 'stripe' ? secrets['STRIPE_SECRET_KEY']! : secrets['RAZORPAY_KEY_ID']!;

/** The plan the plan cards put first. */
export const highlightedPlan: Plan = plansFile.plans.find((candidate) => candidate.id === plansFile.highlighted) ?? plansFile.plans[0]!;

export const uniqueEmail = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;

/** Calls the test-mode provider's controls (GET without a body, POST with one). */
export async function control<T>(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<T> {
  const response = await fetch(`${inject('paymentsUrl')}/_control/${path}?key=${encodeURIComponent(key)}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response.json() as Promise<T>;
}

/** Reads an object from the test-mode provider's API with the site's key (Stripe's paths). */
export async function providerApi<T>(path: string): Promise<T> {
  const response = await fetch(`${inject('paymentsUrl')}${path}`, { headers: { Authorization: `Bearer ${key}` } });
  return response.json() as Promise<T>;
}

/** The provider's subscription that a paid checkout started (Razorpay's checkout is the subscription). */
export async function subscriptionOf(checkoutId: string): Promise<string> {
  if (settings.payments.provider === 'razorpay') return checkoutId;
  const response = await fetch(`${inject('paymentsUrl')}/v1/checkout/sessions/${checkoutId}`, { headers: { Authorization: `Bearer ${key}` } });
  const { subscription } = (await response.json()) as { subscription: string | null };
  if (!subscription) throw new Error(`Checkout ${checkoutId} has no subscription: was it paid?`);
  return subscription;
}

export interface Delivery {
  eventId: string;
  type: string;
  state: string;
  attempts: { status: number | null }[];
}

/** How many webhooks the provider has sent so far, to wait for the ones after. */
export async function deliveriesSoFar(): Promise<number> {
  return (await control<Delivery[]>('deliveries')).length;
}

/** Waits until the provider has delivered every webhook sent after the first `since`. */
export async function deliveredAll(since: number): Promise<Delivery[]> {
  for (let tries = 0; tries < 100; tries++) {
    const deliveries = (await control<Delivery[]>('deliveries')).slice(since);
    if (deliveries.length && deliveries.every((delivery) => delivery.state === 'delivered')) return deliveries;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The provider did not deliver its webhooks: ${JSON.stringify(await control('deliveries'))}`);
}

/** Starts a checkout from a plan card's form: the checkout's id, from the redirect or our page. */
export async function startCheckout(reader: Reader, plan: Plan, returnTo: string): Promise<string> {
  const started = await reader.post(PAGES.subscribe, { plan: plan.id, return: returnTo }, { follow: false });
  const pointer = started.headers.get('Location') ?? started.html;
  const checkoutId = pointer.match(/cs_test_\w+|sub_\w+/)?.[0];
  expect(checkoutId, `a checkout was started: ${pointer.slice(0, 200)}`).toBeTruthy();
  return checkoutId!;
}

/** The whole purchase: checkout, payment with `email` on the hosted page, webhooks, the return. */
export async function buy(reader: Reader, plan: Plan, returnTo: string, email: string): Promise<{ checkoutId: string; back: Page }> {
  const before = await deliveriesSoFar();
  const checkoutId = await startCheckout(reader, plan, returnTo);
  const paid = await control<{ paid: boolean }>(`checkouts/${checkoutId}/pay`, { email });
  expect(paid.paid).toBe(true);
  const deliveries = await deliveredAll(before);
  expect(deliveries.every((delivery) => delivery.attempts.at(-1)?.status === 200)).toBe(true);
  return { checkoutId, back: await reader.get(`${PAGES.checkoutReturn}?checkout=${checkoutId}`) };
}

/** Asks for a link for `email`, takes it from the local outbox, opens it and presses "Log in". */
export async function logInByEmail(reader: Reader, email: string, returnTo: string): Promise<Page> {
  const asked = await reader.post(PAGES.emailLink, { email, return: returnTo });
  expect(asked.status).toBe(200);
  expect(asked.text).toContain('Check your email');
  const opened = await reader.get(await linkFromOutbox(reader, email));
  expect(opened.status).toBe(200);
  expect(opened.text).toContain(email);
  return reader.post(PAGES.loginLink, {});
}

/** A subscriber of the caller's own: bought on the highlighted plan, email confirmed, logged in. */
export async function newSubscriber(label: string): Promise<{ reader: Reader; email: string }> {
  const reader = new Reader();
  const email = uniqueEmail(label);
  await buy(reader, highlightedPlan, PAGES.account, email);
  await logInByEmail(reader, email, PAGES.account);
  return { reader, email };
}
