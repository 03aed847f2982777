// The paid journey over HTTP against `wrangler dev`, as `npm start` serves it: the local
// test-mode provider takes the payment on its hosted page and delivers its signed webhooks to the
// Worker over HTTP, retrying any that fail.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { chargeOf, formatMinor, plansFile } from '../src/paywall/plans.ts';
import { settings } from '../src/paywall/settings.ts';
import { sourceStoryWith } from './content.ts';
import { textOf } from './html.ts';
import { Reader } from './reader.ts';

const story = sourceStoryWith('premium');
const plan = plansFile.plans.find((candidate) => candidate.id === plansFile.highlighted) ?? plansFile.plans[0]!;
const secrets = parseEnv(readFileSync('.dev.vars', 'utf8'));
const key = settings.payments.provider === 'stripe' ? secrets['STRIPE_SECRET_KEY']! : secrets['RAZORPAY_KEY_ID']!;
const isFull = (text: string) => story.lockedSentences.every((sentence) => text.includes(sentence));

async function control<T>(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<T> {
  const response = await fetch(`${inject('paymentsUrl')}/_control/${path}?key=${encodeURIComponent(key)}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response.json() as Promise<T>;
}

interface Delivery {
  eventId: string;
  type: string;
  state: string;
  attempts: { status: number | null }[];
}

/** Waits until the provider has delivered every event of this subscription's purchase. */
async function deliveredAll(since: number): Promise<Delivery[]> {
  for (let tries = 0; tries < 100; tries++) {
    const deliveries = (await control<Delivery[]>('deliveries')).slice(since);
    if (deliveries.length && deliveries.every((delivery) => delivery.state === 'delivered')) return deliveries;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The provider did not deliver its webhooks: ${JSON.stringify(await control('deliveries'))}`);
}

describe('a reader who pays', () => {
  it('meets the wall, pays on the hosted page, and the webhooks and the return agree', async () => {
    const reader = new Reader();
    const before = (await control<Delivery[]>('deliveries')).length;
    const wall = await reader.get(story.path);
    expect(isFull(wall.text)).toBe(false);
    expect(wall.html).toContain(`name="plan" value="${plan.id}"`);

    // The plan card's form: a redirect to Stripe's page, or our page that opens Razorpay's.
    const started = await reader.post('/subscribe/', { plan: plan.id, return: story.path }, { follow: false });
    const pointer = started.headers.get('Location') ?? started.html;
    const checkoutId = pointer.match(/cs_test_\w+|sub_\w+/)?.[0];
    expect(checkoutId, `a checkout was started: ${pointer.slice(0, 200)}`).toBeTruthy();

    const paid = await control<{ paid: boolean }>(`checkouts/${checkoutId}/pay`, { email: `http-${Date.now()}@example.com` });
    expect(paid.paid).toBe(true);
    const deliveries = await deliveredAll(before);
    expect(deliveries.every((delivery) => delivery.attempts.at(-1)?.status === 200)).toBe(true);

    const back = await reader.get(`/subscribe/return/?checkout=${checkoutId}`);
    expect(back.status).toBe(200);
    expect(back.text).toContain('You are subscribed');
    expect(isFull((await reader.get(story.path)).text)).toBe(true);
    const account = await reader.get('/account/');
    expect(account.text).toMatch(/Active\. Renews on/);
    expect(account.text).toContain(textOf(`${formatMinor(chargeOf(plan))} on`));
  });
});
