import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { COOKIES, HOOKS, PAGES } from '../../src/paywall/contract.ts';
import type { ManifestStory } from '../../src/paywall/manifest.ts';
import { plansFile, type Plan } from '../../src/paywall/plans.ts';
import { PAYMENT_PROVIDERS, type PaymentProviderName } from '../../src/paywall/settings.ts';
import { queue } from '../../test/edge/analytics.ts';
import { type Delivery, ledgerOf, Payments, uniqueEmail } from '../../test/edge/payments.ts';
import { storiesWith, storyWith } from '../../test/edge/publication.ts';
import { bindingsWith, Outbox, Reader, subscriber } from '../../test/edge/readers.ts';
import { GIFT_ATTRIBUTION_DAYS } from './attribution.ts';
import type { Count } from './events.ts';

// Counting what the edge and the webhooks decide, with the story each registration and
// subscription came from: through the Worker as readers and the provider use it, with an
// ANALYTICS queue that keeps what it is sent. Stories and plans come from the build and content/.

const plan: Plan = plansFile.plans.find((candidate) => candidate.id === plansFile.highlighted) ?? plansFile.plans[0]!;

let premium: ManifestStory;
let otherLocked: ManifestStory;

beforeAll(async () => {
  premium = await storyWith('premium');
  otherLocked = [...(await storiesWith('premium')), ...(await storiesWith('metered'))].find((story) => story.path !== premium.path)!;
});

/** Makes a gift of `story` in the giver's browser and returns the link as a path with its query. */
async function give(reader: Reader, story: ManifestStory): Promise<string> {
  const html = await (await reader.post(PAGES.gifts, { story: story.path, title: 'A story', from: 'Asha' })).text();
  const link = new RegExp(`value="([^"]+)"[^>]*${HOOKS.giftField}="link"`).exec(html)?.[1]?.replaceAll('&amp;', '&');
  if (!link) throw new Error('No gift link on the page');
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

/** Registers `email` by a link asked for with `returnTo`, in `reader`'s browser. */
async function register(reader: Reader, outbox: Outbox, email: string, returnTo: string): Promise<void> {
  expect((await reader.logInByLink(outbox, email, returnTo)).status).toBe(303);
  await reader.settled();
}

describe('registration', () => {
  it('counts the link sent and used, and a registration from an offer for the offer\'s story, once', async () => {
    const outbox = new Outbox();
    const { binding, counted } = queue();
    const reader = new Reader(bindingsWith(outbox, { ANALYTICS: binding }));
    const email = uniqueEmail('offer');
    await register(reader, outbox, email, premium.path);
    expect(counted('link_sent')).toHaveLength(1);
    expect(counted('link_used')).toHaveLength(1);
    expect(counted('registration')).toEqual<Count[]>([{ event: 'registration', from: { story: premium.path, via: 'offer' } }]);
    const link = await env.DB.prepare('SELECT story, story_via FROM login_links WHERE email = ?').bind(email).first();
    expect(link).toEqual({ story: premium.path, story_via: 'offer' });

    // Logging in again is a link used, not another registration.
    const again = new Reader(bindingsWith(outbox, { ANALYTICS: binding }));
    await register(again, outbox, email, premium.path);
    expect(counted('link_used')).toHaveLength(2);
    expect(counted('registration')).toHaveLength(1);
  });

  it('names no story when the link was asked for from a page that is not one', async () => {
    const outbox = new Outbox();
    const { binding, counted } = queue();
    await register(new Reader(bindingsWith(outbox, { ANALYTICS: binding })), outbox, uniqueEmail('no-story'), PAGES.account);
    expect(counted('registration')).toEqual<Count[]>([{ event: 'registration', from: null }]);
  });
});

describe('a gift', () => {
  it('counts made and opened; a registration within 30 days counts for its story, and the cookie opens nothing', async () => {
    const outbox = new Outbox();
    const { binding, counted } = queue();
    const { reader: giver } = await subscriber(outbox, 'giver');
    const counting = new Reader(bindingsWith(outbox, { ANALYTICS: binding }));
    giver.jar.forEach((value, name) => counting.jar.set(name, value));
    const link = await give(counting, premium);
    expect(counted('gift_made')).toEqual<Count[]>([{ event: 'gift_made', story: premium.path }]);

    const friend = new Reader(bindingsWith(outbox, { ANALYTICS: binding }));
    const opened = await friend.get(link);
    await friend.settled();
    expect(counted('gift_opened')).toEqual<Count[]>([{ event: 'gift_opened', story: premium.path }]);
    const cookie = opened.headers.getSetCookie().find((candidate) => candidate.startsWith(`${COOKIES.giftAttribution}=`));
    expect(cookie).toMatch(new RegExp(`Max-Age=${GIFT_ATTRIBUTION_DAYS * 86_400}`, 'i'));
    expect(await friend.readsInFull(premium.path), 'the attribution cookie is not a gift').toBe(false);

    // Registering from another story's offer still counts for the gift's story.
    await register(friend, outbox, uniqueEmail('gifted'), otherLocked.path);
    expect(counted('registration')).toEqual<Count[]>([{ event: 'registration', from: { story: premium.path, via: 'gift' } }]);
  });

  it('opened with a forged or someone else\'s cookie counts nothing for it', async () => {
    const outbox = new Outbox();
    const { binding, counted } = queue();
    const reader = new Reader(bindingsWith(outbox, { ANALYTICS: binding }));
    reader.jar.set(COOKIES.giftAttribution, 'eyJhbGciOiJIUzI1NiJ9.eyJwIjoiL3N0b3JpZXMveC8ifQ.forged');
    await register(reader, outbox, uniqueEmail('forged'), premium.path);
    expect(counted('registration')).toEqual<Count[]>([{ event: 'registration', from: { story: premium.path, via: 'offer' } }]);
  });
});

describe('a private feed', () => {
  it('counts each fetch of a live address, and nothing for one that is not', async () => {
    const outbox = new Outbox();
    const { binding, counted } = queue();
    const { reader } = await subscriber(outbox, 'feed');
    const address = /value="https?:\/\/[^/"]+(\/[^"]+\.xml)"/.exec(await (await reader.post(PAGES.feed, {})).text())?.[1];
    if (!address) throw new Error('The account page shows no feed address');
    const anyone = new Reader(bindingsWith(outbox, { ANALYTICS: binding }));
    expect((await anyone.get(address)).status).toBe(200);
    expect((await anyone.get(address.replace(/\w(?=\.xml$)/, (char) => (char === 'a' ? 'b' : 'a')))).status).toBe(404);
    await anyone.settled();
    expect(counted('feed_fetched')).toHaveLength(1);
  });
});

describe.each(PAYMENT_PROVIDERS)('%s: subscriptions by story', (name: PaymentProviderName) => {
  /** Posts every delivery until each has been accepted once; a 503 from two racing writes is retried, as the provider retries. */
  async function deliverEach(p: Payments, deliveries: Delivery[]): Promise<void> {
    for (let left = deliveries; left.length; ) {
      const answers = await Promise.all(left.map((delivery) => p.post(delivery)));
      left = left.filter((_, index) => answers[index]!.status === 503);
      for (const answer of answers) expect([200, 503]).toContain(answer.status);
    }
  }

  it('carries the wall\'s story to the provider and into the subscription; every event twice, racing and reversed, counts once', async () => {
    const { binding, counted } = queue();
    const p = await Payments.open(name, { ANALYTICS: binding });
    const browser = new Reader(p.bindings);
    const checkoutId = await p.startCheckout(browser, plan, premium.path);
    await browser.settled();
    const from = { story: premium.path, via: 'wall' } as const;
    expect(counted('checkout_started')).toEqual<Count[]>([{ event: 'checkout_started', plan: plan.id, from }]);
    const kept =
      name === 'stripe'
        ? (await p.api<{ metadata: Record<string, string> }>(`/v1/checkout/sessions/${checkoutId}`)).metadata
        : (await p.api<{ notes: Record<string, string> }>(`/v1/subscriptions/${checkoutId}`)).notes;
    expect(kept).toMatchObject({ story: premium.path, story_via: 'wall' });

    const email = uniqueEmail(`attributed-${name}`);
    expect((await p.pay(checkoutId, email)).paid).toBe(true);
    const deliveries = (await p.drain()).reverse();
    expect(deliveries.length).toBeGreaterThan(1);
    await deliverEach(p, [...deliveries, ...deliveries]);
    // The reader's return reads the same state again: nothing new to count.
    expect([200, 303]).toContain((await p.returnFrom(browser, checkoutId)).status);
    await browser.settled();

    expect(counted('checkout_completed')).toEqual<Count[]>([{ event: 'checkout_completed', plan: plan.id, from }]);
    expect(counted('subscription')).toEqual<Count[]>([{ event: 'subscription', change: 'started', plan: plan.id, from }]);
    const row = await env.DB.prepare('SELECT s.story, s.story_via FROM subscriptions s JOIN accounts a ON a.id = s.account_id WHERE a.email = ?').bind(email).first();
    expect(row).toEqual({ story: premium.path, story_via: 'wall' });
    const checkout = await env.DB.prepare('SELECT story, story_via FROM checkouts WHERE id = ?').bind(checkoutId).first();
    expect(checkout).toEqual({ story: premium.path, story_via: 'wall' });
  });

  it('counts renewed, past due, cancelling and ended once each, for the subscription\'s story', async () => {
    const { binding, counted } = queue();
    const p = await Payments.open(name, { ANALYTICS: binding });
    const browser = new Reader(p.bindings);
    const email = uniqueEmail(`lifecycle-${name}`);
    await p.buy(browser, plan, premium.path, email);
    const subscription = (await ledgerOf(email))!.provider_subscription_id!;
    const changes = () => counted('subscription').map((candidate) => candidate.change);
    expect(changes()).toEqual(['started']);

    await p.control(`subscriptions/${subscription}/renew`);
    await p.deliverAll('reversed');
    expect(changes()).toEqual(['started', 'renewed']);

    await p.control(`subscriptions/${subscription}/fail-next-renewal`, { fail: true });
    await p.control(`subscriptions/${subscription}/renew`);
    await p.deliverAll();
    expect(changes()).toEqual(['started', 'renewed', 'past_due']);

    expect((await browser.post('/account/cancel/', {})).status).toBe(303);
    await browser.post('/account/cancel/', {});
    await p.deliverAll();
    await browser.settled();
    expect(changes()).toEqual(['started', 'renewed', 'past_due', 'cancelling']);

    await p.control(`subscriptions/${subscription}/cancel`);
    const ended = await p.deliverAll();
    for (const delivery of ended) await p.post(delivery);
    expect(changes()).toEqual(['started', 'renewed', 'past_due', 'cancelling', 'ended']);
    for (const change of counted('subscription')) expect(change).toMatchObject({ plan: plan.id, from: { story: premium.path, via: 'wall' } });
  });

  it('a second subscription paid in another tab: both checkouts complete, one subscription starts, its refund is counted once', async () => {
    const { binding, counted } = queue();
    const p = await Payments.open(name, { ANALYTICS: binding });
    const browser = new Reader(p.bindings);
    const email = uniqueEmail(`two-tabs-${name}`);
    const first = await p.startCheckout(browser, plan, premium.path);
    const second = await p.startCheckout(browser, plan, premium.path);
    expect((await p.pay(first, email)).paid).toBe(true);
    expect((await p.pay(second, email)).paid).toBe(true);
    const deliveries = await p.drain();
    for (const delivery of [...deliveries, ...deliveries.toReversed()]) expect((await p.post(delivery)).status).toBe(200);
    await p.returnFrom(browser, first);
    await p.returnFrom(browser, second);
    await browser.settled();
    expect(counted('checkout_completed')).toHaveLength(2);
    expect(counted('subscription').map((candidate) => candidate.change)).toEqual(['started']);
    const refunds = counted('refund');
    expect(refunds).toHaveLength(1);
    expect(refunds[0]!.amount).toBeGreaterThan(0);
  });

  it('a checkout started after a gift opened counts for the gift\'s story', async () => {
    const outbox = new Outbox();
    const { binding, counted } = queue();
    const { reader: giver } = await subscriber(outbox, 'giver');
    const link = await give(giver, premium);
    const p = await Payments.open(name, { ANALYTICS: binding, EMAIL: outbox.binding });
    const friend = new Reader(p.bindings);
    await friend.get(link);
    const checkoutId = await p.startCheckout(friend, plan, otherLocked.path);
    const from = { story: premium.path, via: 'gift' } as const;
    expect(counted('checkout_started')).toEqual<Count[]>([{ event: 'checkout_started', plan: plan.id, from }]);
    expect((await p.pay(checkoutId, uniqueEmail('gifted-buyer'))).paid).toBe(true);
    await p.deliverAll();
    expect(counted('subscription')).toEqual<Count[]>([{ event: 'subscription', change: 'started', plan: plan.id, from }]);
  });
});
