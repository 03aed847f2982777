import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { COOKIES, PAGES } from '../../src/paywall/contract.ts';
import { chargeOf, plansFile, type Plan } from '../../src/paywall/plans.ts';
import { PAYMENT_PROVIDERS, settings, type PaymentProviderName } from '../../src/paywall/settings.ts';
import { Browser, DECLINED_CARD, ledgerOf, Payments, uniqueEmail } from '../../test/edge/payments.ts';
import { storyWith } from '../../test/edge/publication.ts';
import { Outbox, Reader } from '../../test/edge/readers.ts';
import { hashPassword } from '../accounts/password.ts';
import worker, { app } from '../index.ts';
import { createScheduledController } from 'cloudflare:test';
import { ORIGIN } from '../../test/edge/client.ts';
import { CANCEL_NOTICE_SECONDS } from './cancellations.ts';
import { applySubscription } from './ledger.ts';
import { paymentProvider } from './providers.ts';
import { withTestModeBanner } from './test-mode.ts';

// The paid journeys inside workerd, against the local test-mode provider, once for each provider.
// Stories and plans come from the build and content/, so they hold for any publication.

const plan: Plan = plansFile.plans.find((candidate) => candidate.id === plansFile.highlighted) ?? plansFile.plans[0]!;
const otherPlan: Plan = plansFile.plans.find((candidate) => candidate.id !== plan.id) ?? plan;
const day = 86_400;
const now = () => Math.floor(Date.now() / 1000);

const failingDb = {
  prepare: () => {
    throw new Error('D1_ERROR: the database is unavailable');
  },
  batch: () => Promise.reject(new Error('D1_ERROR: the database is unavailable')),
} as unknown as D1Database;

async function addAccountWithPassword(email: string, password: string): Promise<string> {
  const id = crypto.randomUUID();
  await env.DB.prepare('INSERT INTO accounts (id, email, password_hash, created_at, email_confirmed_at) VALUES (?1, ?2, ?3, ?4, ?4)').bind(id, email, await hashPassword(password), now()).run();
  return id;
}

describe.each(PAYMENT_PROVIDERS)('%s', (name: PaymentProviderName) => {
  let premium: string;

  beforeAll(async () => {
    premium = (await storyWith('premium')).path;
  });
  // Each test opens its own account at the provider, with the provider of its block.
  const open = () => Payments.open(name);

  describe('a new reader', () => {
    it('pays on the hosted page, comes back to the story in full, and the account page says when it renews', async () => {
      const p = await open();
      const browser = p.browser();
      const email = uniqueEmail('new');
      expect(await browser.readsInFull(premium)).toBe(false);
      const { back } = await p.buy(browser, plan, premium, email);

      expect(back.status).toBe(200);
      const page = await back.text();
      expect(page).toContain('You are subscribed');
      expect(page).toContain(plan.name);
      expect(page).toContain(`href="${premium}"`);
      expect(page, 'a new account is asked to confirm its email before it gets a password').toContain('Confirm your email');
      expect(browser.jar.has(COOKIES.session)).toBe(true);
      expect(await browser.readsInFull(premium)).toBe(true);

      const ledger = await ledgerOf(email);
      expect(ledger).toMatchObject({ status: 'active', plan: plan.id, password_hash: null, last_payment_amount: chargeOf(plan) });
      expect(await browser.accountText()).toMatch(/Active\. Renews on \d{1,2} \w+ \d{4}\./);
    });

    it('is charged exactly what the plan card shows', async () => {
      const p = await open();
      const browser = p.browser();
      const checkoutId = await p.startCheckout(browser, plan, premium);
      if (name === 'stripe') {
        const session = await p.api<{ amount_total: number; currency: string }>(`/v1/checkout/sessions/${checkoutId}`);
        expect(session.amount_total).toBe(chargeOf(plan));
      } else {
        const subscription = await p.api<{ plan_id: string }>(`/v1/subscriptions/${checkoutId}`);
        const razorpayPlan = await p.api<{ item: { amount: number; currency: string }; interval: number }>(`/v1/plans/${subscription.plan_id}`);
        expect(razorpayPlan.item.amount).toBe(chargeOf(plan));
        expect(razorpayPlan.interval).toBe(plan.months);
      }
    });

    it('confirms its email from the return page, sets a password, and logs in with it on another device', async () => {
      const p = await open();
      const outbox = new Outbox();
      const browser = new Reader(p.with({ EMAIL: outbox.binding }));
      const email = uniqueEmail('password');
      await p.buy(browser, plan, premium, email);
      await browser.logInByLink(outbox, email, premium);
      const saved = await browser.post(PAGES.password, { password: 'a long new password', return: premium });
      expect(saved.status).toBe(303);
      expect(saved.headers.get('Location')).toBe(premium);
      const other = p.browser();
      const login = await other.post(PAGES.login, { email, password: 'a long new password', return: premium });
      expect(login.status).toBe(303);
      expect(await other.readsInFull(premium)).toBe(true);
    });

    it('gets one account and one subscription whether the webhooks arrive before the return or after', async () => {
      const p = await open();
      const browser = p.browser();
      const email = uniqueEmail('early-return');
      const checkoutId = await p.startCheckout(browser, plan, premium);
      expect((await p.pay(checkoutId, email)).paid).toBe(true);
      // The reader is back before any webhook.
      expect((await p.returnFrom(browser, checkoutId)).status).toBe(200);
      expect(await browser.readsInFull(premium)).toBe(true);
      await p.deliverAll();
      const accounts = await env.DB.prepare('SELECT COUNT(*) AS n FROM accounts WHERE email = ?').bind(email).first<number>('n');
      expect(accounts).toBe(1);
      expect((await ledgerOf(email))?.status).toBe('active');
    });

    it('unlocks nothing with a declined card', async () => {
      const p = await open();
      const browser = p.browser();
      const email = uniqueEmail('declined');
      const checkoutId = await p.startCheckout(browser, plan, premium);
      const declined = await p.pay(checkoutId, email, DECLINED_CARD);
      expect(declined.paid).toBe(false);
      expect(declined.error?.message).toContain('declined');
      await p.deliverAll();
      const back = await p.returnFrom(browser, checkoutId);
      expect(back.status).toBe(402);
      expect(await back.text()).toContain('Your payment has not gone through');
      expect(browser.jar.has(COOKIES.session)).toBe(false);
      expect(await ledgerOf(email)).toBeNull();
      expect(await browser.readsInFull(premium)).toBe(false);
    });
  });

  describe('webhooks', () => {
    it('are applied once however often they come, and in any order', async () => {
      const p = await open();
      const browser = p.browser();
      const email = uniqueEmail('order');
      const checkoutId = await p.startCheckout(browser, plan, premium);
      await p.pay(checkoutId, email);
      const deliveries = await p.drain();
      // Newest first, then all again: a replay, and an event about a state already gone.
      const received: string[] = [];
      for (const delivery of [...deliveries].reverse()) {
        const response = await p.post(delivery);
        expect(response.status).toBe(200);
        received.push((await response.json<{ received: string }>()).received);
      }
      const replays = await Promise.all(deliveries.map(async (delivery) => (await p.post(delivery)).json<{ outcome: string }>()));
      expect(replays.every((replay) => replay.outcome === 'already applied')).toBe(true);

      const applied = await env.DB.prepare('SELECT COUNT(*) AS n FROM payment_events WHERE provider = ? AND id IN (SELECT value FROM json_each(?))')
        .bind(name, JSON.stringify(received))
        .first<number>('n');
      expect(applied).toBe(deliveries.length);
      expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM accounts WHERE email = ?').bind(email).first<number>('n')).toBe(1);
      expect((await ledgerOf(email))?.status).toBe('active');
      expect((await p.returnFrom(browser, checkoutId)).status).toBe(200);
      expect(await browser.readsInFull(premium)).toBe(true);
    });

    it('with a bad, missing or replayed-and-edited signature get 400 and change nothing', async () => {
      const p = await open();
      const browser = p.browser();
      const email = uniqueEmail('forged');
      const checkoutId = await p.startCheckout(browser, plan, premium);
      await p.pay(checkoutId, email);
      const [first] = await p.drain();
      const signature = name === 'stripe' ? 'Stripe-Signature' : 'X-Razorpay-Signature';
      const forgeries = [
        // The same JSON with one more space: no longer the body that was signed.
        { ...first!, body: `${first!.body} ` },
        { ...first!, headers: Object.fromEntries(Object.entries(first!.headers).filter(([header]) => header.toLowerCase() !== signature.toLowerCase())) },
        { ...first!, headers: { ...first!.headers, [signature]: name === 'stripe' ? 't=1,v1=00' : 'ab'.repeat(32) } },
        { ...first!, body: 'not json at all' },
      ];
      const events = () => env.DB.prepare('SELECT COUNT(*) AS n FROM payment_events').first<number>('n');
      const before = await events();
      for (const forged of forgeries) {
        const response = await p.post(forged);
        expect(response.status).toBe(400);
        expect(response.headers.get('Set-Cookie')).toBeNull();
      }
      expect(await events()).toBe(before);
      expect(await ledgerOf(email)).toBeNull();
    });

    if (name === 'stripe') {
      it('signed longer ago than Stripe allows get 400', async () => {
        const p = await open();
        const browser = p.browser();
        const checkoutId = await p.startCheckout(browser, plan, premium);
        await p.pay(checkoutId, uniqueEmail('stale'));
        const [first] = await p.drain();
        const fresh = await p.signed(first!.body, first!.eventId);
        expect((await p.post(await p.signed(first!.body, first!.eventId, now() - 3600))).status).toBe(400);
        expect((await p.post(fresh)).status, 'the same event signed now is accepted').toBe(200);
      });
    }

    it('of a kind we do not act on get 2xx, are noted, and change nothing', async () => {
      const p = await open();
      const eventId = `evt_unknown_${crypto.randomUUID().slice(0, 8)}`;
      const body = JSON.stringify(
        name === 'stripe'
          ? { id: eventId, object: 'event', type: 'payout.paid', api_version: '2026-10-28.endive', created: now(), livemode: false, data: { object: { id: 'po_1', object: 'payout' } } }
          : { entity: 'event', account_id: 'acc_test', event: 'payout.processed', contains: ['payout'], payload: { payout: { entity: { id: 'pout_1' } } }, created_at: now() },
      );
      const delivery = await p.signed(body, eventId);
      const response = await p.post(delivery);
      expect(response.status).toBe(200);
      const answer = await response.json<{ outcome: string; received: string }>();
      expect(answer.outcome).toBe('ignored');
      expect(await env.DB.prepare('SELECT COUNT(*) AS n FROM payment_events WHERE provider = ? AND id = ?').bind(name, answer.received).first<number>('n')).toBe(1);
      expect(await (await p.post(delivery)).json()).toMatchObject({ outcome: 'already applied' });
    });

    it('answer 5xx when D1 fails, so the provider retries, and apply on the retry', async () => {
      const p = await open();
      const browser = p.browser();
      const email = uniqueEmail('d1-down');
      const checkoutId = await p.startCheckout(browser, plan, premium);
      await p.pay(checkoutId, email);
      const deliveries = await p.drain();
      for (const delivery of deliveries) {
        const response = await p.post(delivery, p.with({ DB: failingDb }));
        expect(response.status).toBeGreaterThanOrEqual(500);
      }
      expect(await ledgerOf(email)).toBeNull();
      for (const delivery of deliveries) expect((await p.post(delivery)).status).toBe(200);
      expect((await ledgerOf(email))?.status).toBe('active');
    });

    it('answer 5xx while the provider cannot be read, and apply on the retry', async () => {
      const p = await open();
      const browser = p.browser();
      const email = uniqueEmail('provider-down');
      const checkoutId = await p.startCheckout(browser, plan, premium);
      await p.pay(checkoutId, email);
      const deliveries = await p.drain();
      await p.control('faults', { status: 503, count: 50 });
      expect((await p.post(deliveries.at(-1)!)).status).toBe(503);
      await p.control('faults', undefined, 'DELETE');
      for (const delivery of deliveries) expect((await p.post(delivery)).status).toBe(200);
      expect((await ledgerOf(email))?.status).toBe('active');
    });
    /** Validly signed events that can never apply: what they name does not exist, or could not. */
    function unusableEvents(): { what: string; body: object; asksProvider: boolean }[] {
      if (name === 'stripe') {
        const event = (type: string, data?: object) => ({
          id: `evt_unusable_${crypto.randomUUID().slice(0, 8)}`,
          object: 'event',
          type,
          api_version: '2026-10-28.endive',
          created: now(),
          livemode: false,
          ...(data ? { data } : {}),
        });
        return [
          { what: 'an unknown subscription', body: event('customer.subscription.updated', { object: { id: 'sub_NoSuchSubscription', object: 'subscription' } }), asksProvider: true },
          { what: 'an unknown checkout', body: event('checkout.session.completed', { object: { id: 'cs_test_NoSuchCheckout', object: 'checkout.session' } }), asksProvider: true },
          { what: 'data.object: null', body: event('customer.subscription.updated', { object: null }), asksProvider: false },
          { what: 'no data', body: event('invoice.paid'), asksProvider: false },
          { what: 'an id that is a path', body: event('customer.subscription.deleted', { object: { id: '../plans', object: 'subscription' } }), asksProvider: false },
        ];
      }
      const event = (type: string, payload?: object) => ({
        entity: 'event',
        account_id: 'acc_test',
        event: type,
        contains: payload ? Object.keys(payload) : [],
        ...(payload ? { payload } : {}),
        created_at: now(),
      });
      return [
        { what: 'an unknown subscription', body: event('subscription.activated', { subscription: { entity: { id: 'sub_NoSuchSubscr1' } } }), asksProvider: true },
        { what: 'entity: null', body: event('subscription.charged', { subscription: { entity: null } }), asksProvider: false },
        { what: 'no payload', body: event('subscription.cancelled'), asksProvider: false },
        { what: 'an id that is a path', body: event('subscription.halted', { subscription: { entity: { id: '../plans' } } }), asksProvider: false },
      ];
    }

    it('that can never apply are acknowledged with a log line naming them, noted, and not retried', async () => {
      const p = await open();
      const warn = vi.spyOn(console, 'warn');
      try {
        for (const { what, body, asksProvider } of unusableEvents()) {
          const delivery = await p.signed(JSON.stringify(body), `evt_${crypto.randomUUID().slice(0, 8)}`);
          // Every call to the provider fails meanwhile, so a 2xx proves none was made.
          if (!asksProvider) await p.control('faults', { status: 503, count: 50 });
          const response = await p.post(delivery);
          if (!asksProvider) await p.control('faults', undefined, 'DELETE');
          expect(response.status, what).toBe(200);
          const answer = await response.json<{ outcome: string; received: string }>();
          expect(answer.outcome, what).toBe('cannot apply');
          expect(
            warn.mock.calls.some(([line]) => String(line).includes(answer.received)),
            `${what}: a log line names the event`,
          ).toBe(true);
          expect(await (await p.post(delivery)).json(), what).toMatchObject({ outcome: 'already applied' });
        }
      } finally {
        warn.mockRestore();
      }
    });

    it('whose signed body is not an event at all get 400 and change nothing', async () => {
      const p = await open();
      const events = () => env.DB.prepare('SELECT COUNT(*) AS n FROM payment_events').first<number>('n');
      const before = await events();
      const bodies =
        name === 'stripe'
          ? [{ object: 'event', type: 'customer.subscription.updated', created: now(), data: { object: { id: 'sub_NoEventId' } } }, null, [1, 2]]
          : [{ entity: 'event', event: 'subscription.activated', payload: { subscription: { entity: { id: 'sub_NoCreatedAt' } } } }, null, [1, 2]];
      for (const body of bodies) {
        const response = await p.post(await p.signed(JSON.stringify(body), 'evt_not_an_event'));
        expect(response.status, JSON.stringify(body)).toBe(400);
      }
      expect(await events()).toBe(before);
    });

    if (name === 'razorpay') {
      it('replayed under a new X-Razorpay-Event-Id, which the signature does not cover, are applied once', async () => {
        const p = await open();
        const browser = p.browser();
        const checkoutId = await p.startCheckout(browser, plan, premium);
        await p.pay(checkoutId, uniqueEmail('replayed'));
        const deliveries = await p.deliverAll();
        for (const delivery of deliveries) {
          const replay = await p.post({ ...delivery, headers: { ...delivery.headers, 'X-Razorpay-Event-Id': `evt_${crypto.randomUUID().slice(0, 8)}` } });
          expect(replay.status).toBe(200);
          expect(await replay.json(), delivery.type).toMatchObject({ outcome: 'already applied' });
        }
      });
    }
  });

  describe('the return page trusts nothing in its URL', () => {
    it('logs in no one for a checkout another browser started', async () => {
      const p = await open();
      const buyer = p.browser();
      const checkoutId = await p.startCheckout(buyer, plan, premium);
      await p.pay(checkoutId, uniqueEmail('victim'));
      await p.deliverAll();
      const thief = p.browser();
      const back = await p.returnFrom(thief, checkoutId);
      expect(back.status).toBe(400);
      expect(await back.text()).toContain('We could not match this payment');
      expect(thief.jar.has(COOKIES.session)).toBe(false);
    });

    it('logs in no one with a forged binding cookie', async () => {
      const p = await open();
      const buyer = p.browser();
      const checkoutId = await p.startCheckout(buyer, plan, premium);
      await p.pay(checkoutId, uniqueEmail('forged-binding'));
      const thief = p.browser();
      const [header, , signature] = buyer.jar.get(COOKIES.checkout)!.split('.');
      const claims = btoa(JSON.stringify({ checkouts: [{ provider: name, id: checkoutId, returnTo: premium }], aud: 'checkout-binding', exp: now() + 600 })).replace(/=+$/, '');
      thief.jar.set(COOKIES.checkout, `${header}.${claims}.${signature}`);
      expect((await p.returnFrom(thief, checkoutId)).status).toBe(400);
      expect(thief.jar.has(COOKIES.session)).toBe(false);
    });

    it('logs in no one for an unpaid checkout, and keeps the way to try again', async () => {
      const p = await open();
      const browser = p.browser();
      const checkoutId = await p.startCheckout(browser, plan, premium);
      const back = await p.returnFrom(browser, checkoutId);
      expect(back.status).toBe(402);
      const page = await back.text();
      expect(page).toContain(`value="${plan.id}"`);
      expect(page).toContain(`value="${premium}"`);
      expect(browser.jar.has(COOKIES.session)).toBe(false);
    });

    it('says it cannot match a checkout the provider does not have, rather than "try again" forever', async () => {
      const p = await open();
      const browser = p.browser();
      const checkoutId = await p.startCheckout(browser, plan, premium);
      // The site's keys changed since (another account at the provider): that checkout is not there.
      const rekeyed = await open();
      const after = rekeyed.browser();
      for (const [cookie, value] of browser.jar) after.jar.set(cookie, value);
      const back = await rekeyed.returnFrom(after, checkoutId);
      expect(back.status).toBe(400);
      expect(await back.text()).toContain('We could not match this payment');
    });

    it('never sends the reader to another site, whatever return path the form carried', async () => {
      const p = await open();
      const browser = p.browser();
      const checkoutId = await p.startCheckout(browser, plan, '//evil.example/');
      await p.pay(checkoutId, uniqueEmail('open-redirect'));
      await p.deliverAll();
      const page = await (await p.returnFrom(browser, checkoutId)).text();
      expect(page).not.toContain('evil.example');
      expect(page).toContain(`href="${PAGES.account}"`);
    });
  });

  describe('an email that already has an account', () => {
    it('gets the subscription on that account, and paying with it logs no one in as its owner', async () => {
      const p = await open();
      const email = uniqueEmail('existing');
      const owner = await addAccountWithPassword(email, 'the owners own password');
      const stranger = p.browser();
      const { back } = await p.buy(stranger, plan, premium, email);
      expect(await back.text()).toContain('Log in to read');
      expect(stranger.jar.has(COOKIES.session)).toBe(false);
      expect(await stranger.readsInFull(premium)).toBe(false);

      const ledger = await ledgerOf(email);
      expect(ledger).toMatchObject({ id: owner, status: 'active' });
      const ownerBrowser = p.browser();
      await ownerBrowser.post(PAGES.login, { email, password: 'the owners own password', return: premium });
      expect(await ownerBrowser.readsInFull(premium)).toBe(true);
    });
  });

  describe('two tabs', () => {
    it('end with one subscription: the second is cancelled and refunded, and the account page says so', async () => {
      const p = await open();
      const browser = p.browser();
      const email = uniqueEmail('two-tabs');
      const first = await p.startCheckout(browser, plan, premium);
      const second = await p.startCheckout(browser, otherPlan, premium);
      expect((await p.pay(first, email)).paid).toBe(true);
      const secondPaid = await p.pay(second, email);
      expect(secondPaid.paid).toBe(true);
      await p.deliverAll();

      expect((await p.returnFrom(browser, first)).status).toBe(200);
      const duplicate = await p.returnFrom(browser, second);
      expect(await duplicate.text()).toContain('You were already subscribed');
      expect(await browser.readsInFull(premium)).toBe(true);

      const ledger = await ledgerOf(email);
      expect(ledger?.status).toBe('active');
      expect(ledger?.notice).toMatch(/cancelled the second one and refunded/);
      expect(await browser.accountText()).toContain('We cancelled the second one');

      const duplicateId = secondPaid.subscription!.id;
      expect(ledger?.provider_subscription_id).not.toBe(duplicateId);
      if (name === 'stripe') {
        expect((await p.api<{ status: string }>(`/v1/subscriptions/${duplicateId}`)).status).toBe('canceled');
        const invoice = await p.api<{ data: { payments: unknown }[] }>(`/v1/invoices?subscription=${duplicateId}`);
        expect(invoice.data.length).toBeGreaterThan(0);
      } else {
        expect((await p.api<{ status: string }>(`/v1/subscriptions/${duplicateId}`)).status).toBe('cancelled');
      }
      // The cancellation's own webhooks change nothing on the account.
      await p.deliverAll();
      expect((await ledgerOf(email))?.provider_subscription_id).toBe(ledger?.provider_subscription_id);
    });

    it('keep the refunded amount on the account page when two events for the second are applied at once', async () => {
      const p = await open();
      const browser = p.browser();
      const email = uniqueEmail('two-tabs-race');
      const first = await p.startCheckout(browser, plan, premium);
      const second = await p.startCheckout(browser, otherPlan, premium);
      await p.pay(first, email);
      await p.deliverAll();
      const secondPaid = await p.pay(second, email);
      const provider = paymentProvider(p.bindings);
      // One request reads the second subscription while it is still live ...
      const readBeforeTheRefund = await provider.readSubscription(secondPaid.subscription!.id);
      // ... while another event for it cancels and refunds it ...
      await p.deliverAll();
      expect((await ledgerOf(email))?.notice).toMatch(/cancelled the second one and refunded/);
      // ... and the first request goes on with what it read.
      await applySubscription(env.DB, { provider, subscription: readBeforeTheRefund, now: now() });
      expect((await ledgerOf(email))?.notice).toMatch(/cancelled the second one and refunded/);
    });

    it('send a subscriber who starts another checkout to the account page', async () => {
      const p = await open();
      const browser = p.browser();
      await p.buy(browser, plan, premium, uniqueEmail('already'));
      const again = await browser.post(PAGES.subscribe, { plan: plan.id, return: premium });
      expect(again.status).toBe(303);
      expect(again.headers.get('Location')).toBe(PAGES.account);
    });
  });

  describe('over time', () => {
    async function subscriber(label: string) {
      const p = await open();
      const browser = p.browser();
      const email = uniqueEmail(label);
      await p.buy(browser, plan, premium, email);
      const { provider_subscription_id: subscription } = (await ledgerOf(email))!;
      return { p, browser, email, subscription: subscription! };
    }

    it('a renewal moves the end date', async () => {
      const { p, browser, email, subscription } = await subscriber('renewal');
      const before = (await ledgerOf(email))!.current_period_end;
      await p.control(`subscriptions/${subscription}/renew`);
      await p.deliverAll();
      const after = (await ledgerOf(email))!.current_period_end;
      expect(after).toBeGreaterThan(before + 27 * day * Math.min(plan.months, 1));
      expect(await browser.accountText()).toContain('Active. Renews on');
    });

    it('a failed renewal keeps the reader reading through the grace period, asks for a card, then ends', async () => {
      const { p, browser, email, subscription } = await subscriber('failed-renewal');
      await p.control(`subscriptions/${subscription}/fail-next-renewal`, { fail: true });
      await p.control(`subscriptions/${subscription}/renew`);
      await p.deliverAll();
      expect((await ledgerOf(email))?.status).toBe('past_due');
      expect(await browser.accountText()).toContain('Your last payment did not go through');
      expect(await browser.readsInFull(premium)).toBe(true);

      // The grace period runs out: as if the renewal had fallen due more than graceDays ago.
      await env.DB.prepare('UPDATE subscriptions SET past_due_since = ? WHERE provider_subscription_id = ?').bind(now() - 30 * day, subscription).run();
      await browser.get(PAGES.account); // hands the reader a token with the subscription as it stands
      expect(await browser.readsInFull(premium)).toBe(false);

      // The provider gives up on the card.
      await p.control(`subscriptions/${subscription}/cancel`);
      await p.deliverAll();
      expect((await ledgerOf(email))?.status).toBe('ended');
      expect(await browser.accountText()).toMatch(/Ended on/);
      expect(await browser.readsInFull(premium)).toBe(false);
    });

    it('cancelled at the period end reads until then, can be undone, and ends at the renewal', async () => {
      const { p, browser, email, subscription } = await subscriber('cancel');
      expect((await browser.post('/account/cancel/', {})).status).toBe(303);
      expect((await ledgerOf(email))?.cancel_at_period_end).toBe(1);
      expect(await browser.accountText()).toContain('Cancelled: you can read until');
      expect(await browser.readsInFull(premium)).toBe(true);

      expect((await browser.post('/account/resume/', {})).status).toBe(303);
      expect((await ledgerOf(email))?.cancel_at_period_end).toBe(0);
      expect(await browser.accountText()).toContain('Active. Renews on');

      await browser.post('/account/cancel/', {});
      if (name === 'stripe') {
        expect((await p.api<{ cancel_at_period_end: boolean }>(`/v1/subscriptions/${subscription}`)).cancel_at_period_end).toBe(true);
      } else {
        // Razorpay cannot take a cancellation back: it is passed on only when the renewal is near.
        await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '17 * * * *' }), p.bindings);
        expect((await ledgerOf(email))?.cancel_sent_at).toBeNull();
        await env.DB.prepare('UPDATE subscriptions SET current_period_end = ? WHERE provider_subscription_id = ?').bind(now() + day, subscription).run();
        await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '17 * * * *' }), p.bindings);
        expect((await ledgerOf(email))?.cancel_sent_at).not.toBeNull();
        expect(await browser.accountText()).not.toContain('Keep my subscription');
      }
      await p.control(`subscriptions/${subscription}/renew`);
      await p.deliverAll();
      expect((await ledgerOf(email))?.status).toBe('ended');
    });
    if (name === 'razorpay') {
      it('cancelled within the notice before a renewal is passed on at once, so the renewal does not charge', async () => {
        const { p, browser, email, subscription } = await subscriber('cancel-late');
        await env.DB.prepare('UPDATE subscriptions SET current_period_end = ? WHERE provider_subscription_id = ?')
          .bind(now() + CANCEL_NOTICE_SECONDS / 2, subscription)
          .run();
        expect((await browser.post('/account/cancel/', {})).status).toBe(303);
        expect((await ledgerOf(email))?.cancel_sent_at).not.toBeNull();
        expect(await browser.accountText()).not.toContain('Keep my subscription');
        await p.control(`subscriptions/${subscription}/renew`);
        await p.deliverAll();
        expect((await ledgerOf(email))?.status).toBe('ended');
      });
    }
  });

  describe('when the provider fails', () => {
    it('a checkout that cannot start gets a friendly page that keeps the story, and makes no account', async () => {
      const p = await open();
      const browser = p.browser();
      const count = (table: string) => env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<number>('n');
      const before = [await count('checkouts'), await count('accounts')];
      await p.control('faults', { status: 503, count: 10 });
      const response = await browser.post(PAGES.subscribe, { plan: plan.id, return: premium });
      await p.control('faults', undefined, 'DELETE');
      expect([await count('checkouts'), await count('accounts')]).toEqual(before);
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('Retry-After'))).toBeGreaterThan(0);
      const page = await response.text();
      expect(page).toContain('Payments are not available right now');
      expect(page).toContain(`href="${premium}"`);
      expect(page).toContain(`value="${plan.id}"`);
      expect(browser.jar.has(COOKIES.checkout)).toBe(false);
    });

    it('a provider that cannot be reached at all gets the same page', async () => {
      const p = await open();
      const unreachable = new Browser(p.with({ STRIPE_API_URL: 'http://127.0.0.1:9', RAZORPAY_API_URL: 'http://127.0.0.1:9' }));
      const response = await unreachable.post(PAGES.subscribe, { plan: plan.id, return: premium });
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('Payments are not available right now');
    });
  });

  describe('a price configured in content/plans.json', () => {
    /** Makes a price (Stripe) or plan (Razorpay) at the provider, charging `amount` minor units. */
    async function providerPrice(p: Payments, amount: number): Promise<string> {
      const months = plan.months;
      if (name === 'stripe') {
        const body = new URLSearchParams({
          unit_amount: String(amount),
          currency: settings.currency.toLowerCase(),
          'recurring[interval]': 'month',
          'recurring[interval_count]': String(months),
          'product_data[name]': plan.name,
        });
        const response = await fetch(`${env.STRIPE_API_URL}/v1/prices`, { method: 'POST', headers: { Authorization: `Bearer ${p.bindings.STRIPE_SECRET_KEY}` }, body });
        return (await response.json<{ id: string }>()).id;
      }
      const response = await fetch(`${env.RAZORPAY_API_URL}/v1/plans`, {
        method: 'POST',
        headers: { Authorization: `Basic ${btoa(`${p.bindings.RAZORPAY_KEY_ID}:${p.bindings.RAZORPAY_KEY_SECRET}`)}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ period: 'monthly', interval: months, item: { name: plan.name, amount, currency: settings.currency } }),
      });
      return (await response.json<{ id: string }>()).id;
    }

    function configure(id: string | undefined): void {
      // As if the publisher had written the id into content/plans.json.
      plan.prices = id ? { [name]: id } : undefined;
    }

    it('refuses to start a checkout when it does not charge what the card shows', async () => {
      const p = await open();
      configure(await providerPrice(p, chargeOf(plan) + 100));
      try {
        const response = await p.browser().post(PAGES.subscribe, { plan: plan.id, return: premium });
        expect(response.status).toBe(503);
        expect(await response.text()).toContain('Payments are not available right now');
      } finally {
        configure(undefined);
      }
    });

    it('is used when it charges exactly what the card shows', async () => {
      const p = await open();
      const id = await providerPrice(p, chargeOf(plan));
      configure(id);
      try {
        const browser = p.browser();
        const checkoutId = await p.startCheckout(browser, plan, premium);
        if (name === 'stripe') {
          const session = await p.api<{ amount_total: number }>(`/v1/checkout/sessions/${checkoutId}`);
          expect(session.amount_total).toBe(chargeOf(plan));
        } else {
          expect((await p.api<{ plan_id: string }>(`/v1/subscriptions/${checkoutId}`)).plan_id).toBe(id);
        }
      } finally {
        configure(undefined);
      }
    });
  });

  describe('forms', () => {
    it('refuse an unknown plan, and a cross-site post', async () => {
      const p = await open();
      const browser = p.browser();
      expect((await browser.post(PAGES.subscribe, { plan: 'no-such-plan', return: premium })).status).toBe(400);
      expect((await browser.post(PAGES.subscribe, { plan: plan.id, return: premium }, 'https://evil.example')).status).toBe(403);
      expect(browser.jar.size).toBe(0);
    });
  });
});

describe('test mode', () => {
  it('is said on every page while the payment keys are test keys', async () => {
    const page = await (await app.request(`${ORIGIN}/`, {}, env)).text();
    expect(page).toContain('Test mode.');
    const live = await (await app.request(`${ORIGIN}/`, {}, { ...env, STRIPE_SECRET_KEY: 'sk_live_x', RAZORPAY_KEY_ID: 'rzp_live_x' })).text();
    expect(live).not.toContain('Test mode.');
  });

  it('puts the banner first in the body, once, whatever the body tag holds', () => {
    const page = '<!doctype html><html><head><title>x</title></head><body class="story" data-x="a>b">\n<main>Story</main></body></html>';
    const spliced = withTestModeBanner(page);
    expect(spliced.startsWith('<!doctype html><html><head><title>x</title></head><body class="story" data-x="a>b"><aside class="test-mode"')).toBe(true);
    expect(spliced.split('Test mode.').length).toBe(2);
    expect(spliced.indexOf('Test mode.')).toBeLessThan(spliced.indexOf('<main>'));
    expect(withTestModeBanner('<p>no body</p><bodyguard>')).toBe('<p>no body</p><bodyguard>');
  });
});
