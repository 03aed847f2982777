// The paid journeys over HTTP against `wrangler dev`, as `npm start` serves it: the local
// test-mode provider takes the payment on its hosted page and delivers its signed webhooks to the
// Worker over HTTP, retrying any that fail.
import { describe, expect, it } from 'vitest';
import { PAGES } from '../src/paywall/contract.ts';
import { chargeOf, formatMinor } from '../src/paywall/plans.ts';
import { settings } from '../src/paywall/settings.ts';
import { sourceStoryWith } from './content.ts';
import { textOf } from './html.ts';
import { buy, control, deliveredAll, deliveriesSoFar, highlightedPlan as plan, logInByEmail, startCheckout, subscriptionOf, uniqueEmail } from './purchase.ts';
import { Reader } from './reader.ts';

const story = sourceStoryWith('premium');
const isFull = (text: string) => story.lockedSentences.every((sentence) => text.includes(sentence));

describe('a reader who pays', () => {
  it('meets the wall, pays on the hosted page, and the webhooks and the return agree', async () => {
    const reader = new Reader();
    const wall = await reader.get(story.path);
    expect(isFull(wall.text)).toBe(false);
    expect(wall.html).toContain(`name="plan" value="${plan.id}"`);

    const { back } = await buy(reader, plan, story.path, uniqueEmail('http'));
    expect(back.status).toBe(200);
    expect(back.text).toContain('You are subscribed');
    expect(isFull((await reader.get(story.path)).text)).toBe(true);
    const account = await reader.get('/account/');
    expect(account.text).toMatch(/Active\. Renews on/);
    expect(account.text).toContain(textOf(`${formatMinor(chargeOf(plan))} on`));
  });
});

describe('a subscription the provider ended before its period was over', () => {
  it('opens nothing to a new log-in, and its reader subscribes again from the account page', async () => {
    const email = uniqueEmail('ended');
    const { checkoutId: bought } = await buy(new Reader(), plan, story.path, email);
    const reader = new Reader();
    await logInByEmail(reader, email, PAGES.account);

    // Stripe: cancelled at the period's end, then the provider's renewal ends it. Razorpay: two
    // failed renewals halt it. Either way the provider's period end is still to come.
    const before = await deliveriesSoFar();
    const id = await subscriptionOf(bought);
    if (settings.payments.provider === 'stripe') {
      expect((await reader.post('/account/cancel/', {})).status).toBe(200);
      await control(`subscriptions/${id}/renew`, {});
    } else {
      await control(`subscriptions/${id}/fail-next-renewal`, {});
      await control(`subscriptions/${id}/renew`, {});
      await control(`subscriptions/${id}/renew`, {});
    }
    await deliveredAll(before);

    const later = new Reader();
    await logInByEmail(later, email, PAGES.account);
    expect(isFull((await later.get(story.path)).text)).toBe(false);
    const account = await later.get(PAGES.account);
    expect(account.text).toMatch(/Ended on/);
    expect(account.html).toContain(`href="${PAGES.subscribe}"`);

    const checkoutId = await startCheckout(later, plan, story.path);
    const beforeAgain = await deliveriesSoFar();
    expect((await control<{ paid: boolean }>(`checkouts/${checkoutId}/pay`, { email })).paid).toBe(true);
    await deliveredAll(beforeAgain);
    await later.get(`${PAGES.checkoutReturn}?checkout=${checkoutId}`);
    expect(isFull((await later.get(story.path)).text)).toBe(true);
  });
});

describe('a payment made with someone else’s email', () => {
  it('gives the payer no password, and the account goes to whoever proves the email', async () => {
    const payer = new Reader();
    const email = uniqueEmail('someone-else');
    const { back } = await buy(payer, plan, story.path, email);
    expect(back.text).toContain('Confirm your email');
    expect(back.text).not.toContain('Set a password');
    expect(isFull((await payer.get(story.path)).text)).toBe(true);
    expect((await payer.post(PAGES.password, { password: 'the payer’s own password', return: PAGES.account })).status).toBe(403);

    const owner = new Reader();
    await logInByEmail(owner, email, PAGES.account);
    expect((await owner.get(PAGES.account)).text).toMatch(/Active\. Renews on/);
    // The payer's account pages read D1, where their session is over.
    const payerAccount = await payer.get(PAGES.account);
    expect(payerAccount.text).not.toContain(email);
    expect(payerAccount.html).toContain(`action="${PAGES.login}"`);
    expect((await new Reader().post(PAGES.login, { email, password: 'the payer’s own password', return: PAGES.account })).status).toBe(401);
  });
});
