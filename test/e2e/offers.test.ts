// Offers in a real browser, against the local test-mode Stripe: a reader whose subscription ended
// meets the win-back offer on the wall, pays its introductory price with 4242, and the account
// page shows the next charge at the full price on the day the period ends; the test clock's
// renewals then charge exactly that. A promo code: a wrong one is refused on our page, charging
// nothing; a good one, typed in lower case, is charged at its offer. Offers and codes come from
// content/plans.json. The run saves the README's screenshot of an offer card.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { formatDay } from '../../src/paywall/dates.ts';
import { introductoryCharge, offerTerms } from '../../src/paywall/offers.ts';
import { chargeOf, findPlan, formatMinor, plansFile } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import { formatMoney } from '../../scripts/test-provider/money.ts';
import { sourceStoryWith } from '../content.ts';
import { control, deliveredAll, deliveriesSoFar, providerApi, subscriptionOf, uniqueEmail } from '../purchase.ts';
import { expectAccessible } from './accessibility.ts';
import { SCREENSHOTS, text, useBrowser } from './browser.ts';

const story = sourceStoryWith('premium');
const winBack = plansFile.offers.find((offer) => offer.for === 'lapsed');
const code = plansFile.codes.find((candidate) => Date.parse(candidate.expires) > Date.now());
// Razorpay's hosted page and offers (made in its dashboard) are not in the test provider's reach yet.
const stripe = settings.payments.provider === 'stripe';
const fold = (words: string) => words.replace(/\s+/g, ' ');

const { readerPage } = useBrowser();

/** Pays on the provider's page with 4242; the email is asked only of a new customer. */
async function payWith4242(page: Page, email: string): Promise<void> {
  const field = page.getByLabel('Email');
  if (await field.isEditable()) await field.fill(email);
  await page.getByLabel('Name on card').fill('Test Reader');
  await page.getByLabel('Card number').fill('4242 4242 4242 4242');
  await page.getByLabel('Expiry (MM / YY)').fill('12 / 34');
  await page.getByLabel('CVC').fill('123');
  const before = await deliveriesSoFar();
  await page.getByRole('button', { name: /^Pay / }).click();
  await page.waitForURL((url) => url.pathname === '/subscribe/return/');
  await deliveredAll(before);
}

const accountField = async (page: Page, name: string) => fold(await page.locator(`[data-account="${name}"]`).innerText());

interface ProviderSubscription {
  items: { data: { current_period_end: number }[] };
}

describe.skipIf(!stripe)('offers in the browser', () => {
  it.skipIf(!winBack)('a lapsed reader sees the win-back offer, pays its introductory price, and is charged the full price after it', async () => {
    const offer = winBack!;
    const plan = findPlan(offer.plan)!;
    const terms = fold(offerTerms(offer, plan));
    const page = await readerPage();
    try {
      // A new visitor: the plan's own price, and no win-back.
      await page.goto(story.path);
      expect(await text(page)).not.toContain(terms);
      await page.getByRole('button', { name: `Subscribe to ${plan.name}`, exact: true }).click();
      await payWith4242(page, uniqueEmail('win-back'));
      const first = new URL(page.url()).searchParams.get('checkout')!;
      const ended = await subscriptionOf(first);
      const before = await deliveriesSoFar();
      await control(`subscriptions/${ended}/cancel`, {});
      await deliveredAll(before);
      await page.goto('/account/');
      expect(await accountField(page, 'status')).toMatch(/^Ended on /);

      // Lapsed: the wall says so and the plan's card carries the win-back, in exact money.
      await page.goto(story.path);
      expect(await text(page)).toContain('Your subscription has ended.');
      const card = page.locator(`li[data-plan="${plan.id}"]`);
      expect(fold(await card.innerText())).toContain(terms);
      await expectAccessible(page);
      await card.screenshot({ path: `${SCREENSHOTS}/offer-card.png`, animations: 'disabled' });

      await card.getByRole('button', { name: `Subscribe to ${plan.name}`, exact: true }).click();
      await page.waitForURL((url) => url.pathname.startsWith('/c/pay/'));
      expect(await text(page)).toContain(fold(`Due today: ${formatMoney(introductoryCharge(offer)!, settings.currency)}`));
      await payWith4242(page, '');
      const bought = await subscriptionOf(new URL(page.url()).searchParams.get('checkout')!);

      // The account page: what was paid, and the next charge at the plan's price when the introductory periods end.
      const periodEnd = async () => (await providerApi<ProviderSubscription>(`/v1/subscriptions/${bought}`)).items.data[0]!.current_period_end;
      const nextAt = async () => formatDay(new Date((await periodEnd()) * 1000));
      await page.goto('/account/');
      expect(await accountField(page, 'status')).toMatch(/^Active\. Renews on /);
      expect(await accountField(page, 'last-payment')).toContain(fold(formatMinor(introductoryCharge(offer)!)));
      const nextAmount = offer.periods === 1 ? chargeOf(plan) : introductoryCharge(offer)!;
      expect(await accountField(page, 'next-charge')).toBe(fold(`${formatMinor(nextAmount)} on ${await nextAt()}`));
      await expectAccessible(page);

      // The test clock: each renewal charges what the account page said, and the last ones the plan's price.
      for (let renewal = 1; renewal <= offer.periods! + 1; renewal += 1) {
        const said = await accountField(page, 'next-charge');
        const since = await deliveriesSoFar();
        await control(`subscriptions/${bought}/renew`, {});
        await deliveredAll(since);
        await page.goto('/account/');
        const paid = await accountField(page, 'last-payment');
        expect(said.startsWith(paid.slice(0, paid.indexOf(' on ')))).toBe(true);
        if (renewal >= offer.periods!) expect(await accountField(page, 'next-charge')).toBe(fold(`${formatMinor(chargeOf(plan))} on ${await nextAt()}`));
      }
      expect(await accountField(page, 'last-payment')).toContain(fold(formatMinor(chargeOf(plan))));
    } finally {
      await page.context().close();
    }
  });

  it.skipIf(!code)('a promo code: a wrong one is refused and charges nothing; a good one in lower case gives its offer', async () => {
    const offer = plansFile.offers.find((candidate) => candidate.id === code!.offer)!;
    const plan = findPlan(offer.plan)!;
    const page = await readerPage();
    try {
      await page.goto('/subscribe/');
      await page.getByLabel('Have a code?').fill(`${code!.code}-wrong`);
      await page.getByRole('button', { name: 'Use the code' }).click();
      expect(await text(page)).toContain('is not one of our codes');
      expect(new URL(page.url()).pathname, 'still on our page: no checkout was started').toBe('/subscribe/');

      await page.goto('/subscribe/');
      await expectAccessible(page);
      await page.getByLabel('Have a code?').fill(code!.code.toLowerCase());
      await page.getByRole('button', { name: 'Use the code' }).click();
      await page.waitForURL((url) => url.pathname.startsWith('/c/pay/'));
      expect(await text(page)).toContain(plan.name);
      const firstCharge = offer.trialDays ? 0 : introductoryCharge(offer) ?? chargeOf(plan);
      await payWith4242(page, uniqueEmail('code'));
      await page.goto('/account/');
      expect(await accountField(page, 'plan')).toBe(plan.name);
      if (firstCharge > 0) expect(await accountField(page, 'last-payment')).toContain(fold(formatMinor(firstCharge)));
    } finally {
      await page.context().close();
    }
  });
});
