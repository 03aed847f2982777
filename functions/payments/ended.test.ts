import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { PAGES } from '../../src/paywall/contract.ts';
import { plansFile, type Plan } from '../../src/paywall/plans.ts';
import { PAYMENT_PROVIDERS, type PaymentProviderName } from '../../src/paywall/settings.ts';
import { ledgerOf, Payments, uniqueEmail } from '../../test/edge/payments.ts';
import { storyWith } from '../../test/edge/publication.ts';
import { Outbox, Reader } from '../../test/edge/readers.ts';

// A subscription the provider ended before its paid period was over entitles nothing, and its
// reader can buy again, at the same customer. Stripe: cancelled at the period's end, and the
// provider's renewal then ends it with an end date still to come. Razorpay: two failed renewals
// (halted), which leave the period's end where it was.

const plan: Plan = plansFile.plans.find((candidate) => candidate.id === plansFile.highlighted) ?? plansFile.plans[0]!;

function customersOf(accountId: string) {
  return env.DB.prepare('SELECT customer_id FROM billing_customers WHERE account_id = ?')
    .bind(accountId)
    .all<{ customer_id: string }>()
    .then((rows) => rows.results.map((row) => row.customer_id));
}

describe.each(PAYMENT_PROVIDERS)('%s: an ended subscription', (name: PaymentProviderName) => {
  let premium: string;

  beforeAll(async () => {
    premium = (await storyWith('premium')).path;
  });

  /** A reader who bought a subscription and logged in by link; the provider has then ended it early. */
  async function endedEarly() {
    const p = await Payments.open(name);
    const outbox = new Outbox();
    const bindings = p.with({ EMAIL: outbox.binding });
    const email = uniqueEmail(`ended-${name}`);
    const buyer = new Reader(bindings);
    await p.buy(buyer, plan, premium, email);
    const owner = new Reader(bindings);
    await owner.logInByLink(outbox, email);
    const { id: accountId, provider_subscription_id: subscriptionId } = (await ledgerOf(email))!;

    if (name === 'stripe') {
      expect((await owner.post('/account/cancel/', {})).status).toBe(303);
      await p.deliverAll();
      await p.control(`subscriptions/${subscriptionId}/renew`);
    } else {
      await p.control(`subscriptions/${subscriptionId}/fail-next-renewal`);
      await p.control(`subscriptions/${subscriptionId}/renew`);
      await p.control(`subscriptions/${subscriptionId}/renew`);
    }
    await p.deliverAll();
    const ledger = (await ledgerOf(email))!;
    expect(ledger.status).toBe('ended');
    // What made the bug: the row's period end is still to come.
    expect(ledger.current_period_end).toBeGreaterThan(Date.now() / 1000);
    return { p, outbox, bindings, email, accountId, customers: await customersOf(accountId) };
  }

  it('opens no premium story, even to a brand-new log-in, and the account page says it ended', async () => {
    const { outbox, bindings, email } = await endedEarly();
    const later = new Reader(bindings);
    await later.logInByLink(outbox, email);
    expect(await later.readsInFull(premium)).toBe(false);
    expect(await later.accountText()).toMatch(/Ended on \d{1,2} \w+ \d{4}\./);
    // Gifts and the private feed follow the same entitlement.
    expect((await later.post(PAGES.feed, {})).status).toBe(403);
  });

  it('can be bought again from the plan cards, at the same customer, and then opens everything', async () => {
    const { p, outbox, bindings, email, accountId, customers } = await endedEarly();
    const reader = new Reader(bindings);
    await reader.logInByLink(outbox, email);
    expect(await reader.accountText()).toContain('Renew your subscription');

    const checkoutId = await p.startCheckout(reader, plan, premium);
    const customer =
      name === 'stripe'
        ? (await p.api<{ customer: string | null }>(`/v1/checkout/sessions/${checkoutId}`)).customer
        : (await p.api<{ customer_id: string | null }>(`/v1/subscriptions/${checkoutId}`)).customer_id;
    expect(customers).toHaveLength(1);
    expect(customer).toBe(customers[0]);

    expect((await p.pay(checkoutId, email)).paid).toBe(true);
    await p.deliverAll();
    const back = await p.returnFrom(reader, checkoutId);
    expect([200, 303]).toContain(back.status);
    expect(await reader.readsInFull(premium)).toBe(true);
    expect((await ledgerOf(email))?.status).toBe('active');
    expect(await customersOf(accountId)).toEqual(customers);
  });
});
