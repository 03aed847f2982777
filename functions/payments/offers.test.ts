import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { PAGES } from '../../src/paywall/contract.ts';
import { formatDay } from '../../src/paywall/dates.ts';
import { introductoryCharge } from '../../src/paywall/offers.ts';
import { chargeOf, findPlan, formatMinor, plansFile, type Offer, type Plan } from '../../src/paywall/plans.ts';
import { ledgerOf, Payments, uniqueEmail } from '../../test/edge/payments.ts';
import { CODE_HOLD_SECONDS } from './ledger.ts';
import { queue } from '../../test/edge/analytics.ts';
import { storyWith } from '../../test/edge/publication.ts';
import { Outbox, Reader } from '../../test/edge/readers.ts';

// Offers through the edge and the local test-mode Stripe: the win-back offer a lapsed reader's
// card shows, bought at its introductory price and renewed at the full one; promo codes good and
// bad; a trial. Offers, plans and codes come from content/plans.json, so this holds for any
// publication (a kind of offer it does not declare is skipped).

const winBack = plansFile.offers.find((offer) => offer.for === 'lapsed' && offer.price !== undefined);
const coded = plansFile.codes.find((code) => Date.parse(code.expires) > Date.now());
const trial = plansFile.offers.find((offer) => offer.for === 'everyone' && offer.trialDays !== undefined);
const anyPlan = plansFile.plans[0]!;
const planOf = (offer: Offer): Plan => findPlan(offer.plan)!;

function subscriptionRow(email: string) {
  return env.DB.prepare(
    `SELECT s.status, s.current_period_end, s.last_payment_amount, s.next_charge_at, s.next_charge_amount, s.provider_subscription_id
       FROM accounts a JOIN subscriptions s ON s.account_id = a.id WHERE a.email = ?`,
  )
    .bind(email)
    .first<{ status: string; current_period_end: number; last_payment_amount: number | null; next_charge_at: number | null; next_charge_amount: number | null; provider_subscription_id: string }>();
}

describe('stripe: offers', () => {
  let premium: string;
  beforeAll(async () => {
    premium = (await storyWith('premium')).path;
  });

  /** A reader whose subscription the provider ended, logged in. */
  async function lapsedReader() {
    const p = await Payments.open('stripe');
    const outbox = new Outbox();
    const bindings = p.with({ EMAIL: outbox.binding });
    const email = uniqueEmail('lapsed');
    await p.buy(new Reader(bindings), anyPlan, premium, email);
    const { provider_subscription_id: subscriptionId } = (await ledgerOf(email))!;
    await p.control(`subscriptions/${subscriptionId}/cancel`);
    await p.deliverAll();
    expect((await ledgerOf(email))?.status).toBe('ended');
    const reader = new Reader(bindings);
    await reader.logInByLink(outbox, email);
    return { p, reader, email };
  }

  it.skipIf(!winBack)('a lapsed reader pays the win-back’s introductory price; the next charge and the renewals are the full price', async () => {
    const offer = winBack!;
    const plan = planOf(offer);
    const { p, reader, email } = await lapsedReader();
    expect(await (await reader.get(premium)).text()).toContain(`name="offer" value="${offer.id}"`);

    const started = await reader.post(PAGES.subscribe, { plan: plan.id, offer: offer.id, return: premium });
    expect(started.status).toBe(303);
    const checkoutId = started.headers.get('Location')!.match(/cs_test_\w+/)![0];
    expect((await p.api<{ amount_total: number }>(`/v1/checkout/sessions/${checkoutId}`)).amount_total).toBe(introductoryCharge(offer));
    expect((await p.pay(checkoutId, email)).paid).toBe(true);
    // Nothing is granted by the webhooks' say-so alone: each is read back from the provider.
    await p.deliverAll();
    await p.returnFrom(reader, checkoutId);
    expect(await reader.readsInFull(premium)).toBe(true);

    const bought = (await subscriptionRow(email))!;
    expect(bought).toMatchObject({ status: 'active', last_payment_amount: introductoryCharge(offer) });
    const periods = offer.periods!;
    expect(bought.next_charge_amount).toBe(periods === 1 ? chargeOf(plan) : introductoryCharge(offer));
    expect(bought.next_charge_at).toBe(bought.current_period_end);
    const account = await reader.accountText();
    expect(account).toContain(`Next charge`);
    expect(account).toContain(`${formatMinor(bought.next_charge_amount!)} on ${formatDay(new Date(bought.next_charge_at! * 1000))}`);

    // The test clock's renewals: the introductory periods, then the plan's price.
    const charged: number[] = [];
    for (let renewal = 1; renewal <= periods + 1; renewal += 1) {
      await p.control(`subscriptions/${bought.provider_subscription_id}/renew`);
      await p.deliverAll();
      charged.push((await subscriptionRow(email))!.last_payment_amount!);
    }
    expect(charged).toEqual([...Array<number>(periods - 1).fill(introductoryCharge(offer)!), chargeOf(plan), chargeOf(plan)]);
    expect((await subscriptionRow(email))!.next_charge_amount).toBe(chargeOf(plan));

    // Each offer once per reader: lapsed again, they do not get the introductory price twice.
    await p.control(`subscriptions/${bought.provider_subscription_id}/cancel`);
    await p.deliverAll();
    expect((await ledgerOf(email))?.status).toBe('ended');
    const invoices = (await p.api<{ data: unknown[] }>('/v1/invoices')).data.length;
    const again = await reader.post(PAGES.subscribe, { plan: plan.id, offer: offer.id, return: premium });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('You have had this offer');
    expect((await p.api<{ data: unknown[] }>('/v1/invoices')).data).toHaveLength(invoices);
  });

  it.skipIf(!winBack)('refuses the win-back offer to a reader who never subscribed, and starts no checkout', async () => {
    const p = await Payments.open('stripe');
    const browser = p.browser();
    const page = await (await browser.get(premium)).text();
    expect(page).not.toContain(`value="${winBack!.id}"`);
    const refused = await browser.post(PAGES.subscribe, { plan: winBack!.plan, offer: winBack!.id, return: premium });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('That offer is not open to you');
    expect((await p.api<{ data: unknown[] }>('/v1/invoices')).data).toEqual([]);
  });

  it.skipIf(!coded)('a good code, typed in any case, gives its offer; a wrong or used-up one gets a clear message and charges nothing', async () => {
    const code = coded!;
    const offer = plansFile.offers.find((candidate) => candidate.id === code.offer)!;
    const plan = planOf(offer);
    const p = await Payments.open('stripe');
    const browser = p.browser();

    const wrong = await browser.post(PAGES.subscribe, { code: `${code.code}-nope`, return: premium });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('is not one of our codes');

    const good = await browser.post(PAGES.subscribe, { code: ` ${code.code.toLowerCase()} `, return: premium });
    expect(good.status).toBe(303);
    const checkoutId = good.headers.get('Location')!.match(/cs_test_\w+/)![0];
    const session = await p.api<{ amount_total: number; discounts: unknown[]; metadata: Record<string, string> }>(`/v1/checkout/sessions/${checkoutId}`);
    expect(session.metadata).toMatchObject({ plan: plan.id, offer: offer.id });
    expect(session.amount_total).toBe(offer.trialDays ? 0 : introductoryCharge(offer) ?? chargeOf(plan));
    const email = uniqueEmail('coded');
    expect((await p.pay(checkoutId, email)).paid).toBe(true);
    await p.deliverAll();
    expect((await subscriptionRow(email))?.status).toBe('active');

    // Used up: paid checkouts with the code, and one started within the hold and not paid yet,
    // as many as it allows. Started checkouts hold their place, so many started at once cannot all
    // have the code; one left unpaid past the hold gives its place back.
    const now = Math.floor(Date.now() / 1000);
    const used = await env.DB.prepare('SELECT COUNT(*) AS n FROM checkouts WHERE code = ? AND (completed_at IS NOT NULL OR created_at > ?)')
      .bind(code.code, now - CODE_HOLD_SECONDS)
      .first<number>('n');
    const free = code.maxRedemptions - used!;
    expect(free, 'the code has a place left for this test').toBeGreaterThan(0);
    const paid = env.DB.prepare("INSERT INTO checkouts (provider, id, plan, created_at, completed_at, code) VALUES ('stripe', ?, ?, 0, 0, ?)");
    await env.DB.batch(Array.from({ length: free - 1 }, () => paid.bind(`cs_test_fill${crypto.randomUUID().replaceAll('-', '')}`, plan.id, code.code)));
    const held = `cs_test_held${crypto.randomUUID().replaceAll('-', '')}`;
    await env.DB.prepare("INSERT INTO checkouts (provider, id, plan, created_at, code) VALUES ('stripe', ?, ?, ?, ?)").bind(held, plan.id, now - 60, code.code).run();
    const usedUp = await p.browser().post(PAGES.subscribe, { code: code.code, return: premium });
    expect(usedUp.status).toBe(400);
    expect(await usedUp.text()).toContain('used as many times as it allows');
    await env.DB.prepare('UPDATE checkouts SET created_at = ? WHERE id = ?').bind(now - CODE_HOLD_SECONDS - 1, held).run();
    expect((await p.browser().post(PAGES.subscribe, { code: code.code, return: premium })).status, 'an abandoned checkout gives its place back').toBe(303);
    await env.DB.prepare("DELETE FROM checkouts WHERE code = ? AND (id LIKE 'cs_test_fill%' OR id = ?)").bind(code.code, held).run();
  });

  it.skipIf(!trial)('a trial reads at once for nothing, and its end is the next charge, at the plan’s price', async () => {
    const offer = trial!;
    const plan = planOf(offer);
    const { binding, counted } = queue();
    const p = await Payments.open('stripe', { ANALYTICS: binding });
    const browser = p.browser();
    const changes = () => counted('subscription').map((candidate) => candidate.change);
    const started = await browser.post(PAGES.subscribe, { plan: plan.id, offer: offer.id, return: premium });
    const checkoutId = started.headers.get('Location')!.match(/cs_test_\w+/)![0];
    const email = uniqueEmail('trial');
    expect((await p.pay(checkoutId, email)).paid).toBe(true);
    await p.deliverAll();
    await p.returnFrom(browser, checkoutId);
    expect(await browser.readsInFull(premium)).toBe(true);
    const row = (await subscriptionRow(email))!;
    expect(row).toMatchObject({ status: 'active', last_payment_amount: null, next_charge_amount: introductoryCharge(offer) ?? chargeOf(plan) });
    expect(row.next_charge_at! - Date.now() / 1000).toBeGreaterThan(offer.trialDays! * 86_400 - 120);
    await p.control(`subscriptions/${row.provider_subscription_id}/renew`);
    await p.deliverAll();
    expect((await subscriptionRow(email))!.last_payment_amount).toBe(introductoryCharge(offer) ?? chargeOf(plan));
    // The trial's end is the first charge, not a renewal; the charge after it is the first renewal.
    expect(changes()).toEqual(['started']);
    await p.control(`subscriptions/${row.provider_subscription_id}/renew`);
    await p.deliverAll();
    expect(changes()).toEqual(['started', 'renewed']);
  });
});

describe('razorpay: offers', () => {
  let premium: string;
  beforeAll(async () => {
    premium = (await storyWith('premium')).path;
  });

  /** Starts a checkout from a form; Razorpay's is a subscription, named on our waiting page. */
  async function started(browser: Reader, fields: Record<string, string>): Promise<string> {
    const response = await browser.post(PAGES.subscribe, { return: premium, ...fields });
    const id = (await response.text()).match(/sub_\w+/)?.[0];
    if (!id) throw new Error(`No checkout started (${response.status})`);
    return id;
  }

  it.skipIf(!winBack?.providers?.razorpay)('a lapsed reader pays the win-back through its Razorpay offer, then the plan’s price', async () => {
    const offer = winBack!;
    const plan = planOf(offer);
    const p = await Payments.open('razorpay');
    // The publisher makes the offer in Razorpay's dashboard, with the id plans.json names.
    await p.control('offers', { id: offer.providers!.razorpay, discountAmount: chargeOf(plan) - introductoryCharge(offer)!, paymentCount: offer.periods });
    const outbox = new Outbox();
    const bindings = p.with({ EMAIL: outbox.binding });
    const email = uniqueEmail('rzp-lapsed');
    await p.buy(new Reader(bindings), anyPlan, premium, email);
    await p.control(`subscriptions/${(await ledgerOf(email))!.provider_subscription_id}/cancel`);
    await p.deliverAll();
    const reader = new Reader(bindings);
    await reader.logInByLink(outbox, email);

    const subscriptionId = await started(reader, { plan: plan.id, offer: offer.id });
    expect((await p.api<{ offer_id: string | null }>(`/v1/subscriptions/${subscriptionId}`)).offer_id).toBe(offer.providers!.razorpay);
    expect((await p.pay(subscriptionId, email)).paid).toBe(true);
    await p.deliverAll();
    const bought = (await subscriptionRow(email))!;
    expect(bought).toMatchObject({ status: 'active', last_payment_amount: introductoryCharge(offer), next_charge_at: bought.current_period_end });
    for (let renewal = 1; renewal <= offer.periods!; renewal += 1) {
      await p.control(`subscriptions/${subscriptionId}/renew`);
      await p.deliverAll();
    }
    expect((await subscriptionRow(email))!.last_payment_amount).toBe(chargeOf(plan));
  });

  it.skipIf(!trial)('a trial starts later: the reader reads at once, nothing is charged, and the start charges the plan’s price', async () => {
    const offer = trial!;
    const plan = planOf(offer);
    const p = await Payments.open('razorpay');
    const browser = new Reader(p.with({}));
    const subscriptionId = await started(browser, { plan: plan.id, offer: offer.id });
    const email = uniqueEmail('rzp-trial');
    expect((await p.pay(subscriptionId, email)).paid).toBe(true);
    await p.deliverAll();
    await p.returnFrom(browser, subscriptionId);
    expect(await browser.readsInFull(premium)).toBe(true);
    const row = (await subscriptionRow(email))!;
    expect(row).toMatchObject({ status: 'active', next_charge_amount: chargeOf(plan) });
    expect(row.current_period_end - Date.now() / 1000).toBeGreaterThan(offer.trialDays! * 86_400 - 120);
    await p.control(`subscriptions/${subscriptionId}/renew`);
    await p.deliverAll();
    expect((await subscriptionRow(email))!).toMatchObject({ status: 'active', last_payment_amount: chargeOf(plan) });
  });
});
