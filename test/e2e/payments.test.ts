// The paid journey in a real browser: a reader meets the wall, chooses a plan, pays on the test
// provider's hosted page, and is back on the story in full; a declined card unlocks nothing. The
// run saves the README's screenshots of the checkout and the account page.
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { planCards, plansFile } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import { sourceStoryWith } from '../content.ts';
import { expectAccessible } from './accessibility.ts';
import { SCREENSHOTS, text, useBrowser } from './browser.ts';

const story = sourceStoryWith('premium');
const card = planCards().find((candidate) => candidate.highlighted) ?? planCards()[0]!;
const plan = plansFile.plans.find((candidate) => candidate.id === card.id)!;

const { readerPage } = useBrowser();

/** From the wall to the provider's page: what a reader does on the plan card. */
async function chooseThePlan(page: Page) {
  await page.goto(story.path);
  await page.getByRole('button', { name: `Subscribe to ${card.name}`, exact: true }).click();
  if (settings.payments.provider === 'razorpay') {
    // Razorpay's page opens in a tab of its own; ours waits with a way back.
    const [payment] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('link', { name: 'Open the payment page' }).click()]);
    await payment.waitForLoadState();
    return payment;
  }
  await page.waitForURL((url) => url.origin !== new URL(inject('baseUrl')).origin);
  return page;
}

async function fillCard(payment: Page, email: string, number: string) {
  await payment.getByLabel('Email').fill(email);
  if (settings.payments.provider === 'razorpay') await payment.getByLabel('Phone').fill('+91 98765 43210');
  await payment.getByLabel('Name on card').fill('Test Reader');
  await payment.getByLabel('Card number').fill(number);
  await payment.getByLabel('Expiry (MM / YY)').fill('12 / 34');
  await payment.getByLabel('CVC').fill('123');
}

describe('a reader who subscribes in the browser', () => {
  it('pays with 4242 4242 4242 4242 and is back on the story in full; the account page says when it renews', async () => {
    const page = await readerPage();
    try {
      await page.goto(story.path);
      for (const sentence of story.lockedSentences) expect(await text(page)).not.toContain(sentence);
      expect(await text(page)).toContain('Test mode.');

      const payment = await chooseThePlan(page);
      expect(await text(payment)).toContain(card.price.replace(/\s/g, ' '));
      await fillCard(payment, `browser-${Date.now()}@example.com`, '4242 4242 4242 4242');
      await payment.screenshot({ path: `${SCREENSHOTS}/checkout.png`, animations: 'disabled' });
      await payment.getByRole('button', { name: /^Pay / }).click();

      if (settings.payments.provider === 'razorpay') {
        await payment.waitForLoadState();
        await payment.close();
        await page.getByRole('link', { name: 'I have paid: continue' }).click();
      }
      await page.waitForURL((url) => url.pathname === '/subscribe/return/');
      expect(await text(page)).toContain('You are subscribed');
      expect(await text(page)).toContain(plan.name);
      await expectAccessible(page);

      await page.getByRole('link', { name: 'Continue to the story' }).click();
      await page.waitForURL(story.path);
      const full = await text(page);
      for (const sentence of story.lockedSentences) expect(full).toContain(sentence);

      await page.goto('/account/');
      expect(await page.locator('[data-account="status"]').innerText()).toMatch(/^Active\. Renews on \d{1,2} \w+ \d{4}\.$/);
      expect(await page.locator('[data-account="plan"]').innerText()).toBe(plan.name);
      await expectAccessible(page);
      await page.screenshot({ path: `${SCREENSHOTS}/account.png`, animations: 'disabled', fullPage: true });
    } finally {
      await page.context().close();
    }
  });

  it('is told plainly when the card is declined, and unlocks nothing', async () => {
    const page = await readerPage();
    try {
      const payment = await chooseThePlan(page);
      await fillCard(payment, `declined-${Date.now()}@example.com`, '4000 0000 0000 0002');
      await payment.getByRole('button', { name: /^Pay / }).click();
      await expect.poll(() => text(payment)).toContain('Your card was declined');
      await page.goto(story.path);
      const walled = await text(page);
      for (const sentence of story.lockedSentences) expect(walled).not.toContain(sentence);
      expect(await page.context().cookies()).not.toContainEqual(expect.objectContaining({ name: 'paywall_session' }));
    } finally {
      await page.context().close();
    }
  });

  it('finds every plan on the plans page and on each plan page, accessibly', async () => {
    const page = await readerPage();
    try {
      await page.goto('/subscribe/');
      for (const each of planCards()) expect(await text(page)).toContain(each.name);
      await expectAccessible(page);
      await page.goto(`/subscribe/${card.id}/`);
      expect(await text(page)).toContain(`${card.price} for ${card.length}`);
      await expectAccessible(page);
    } finally {
      await page.context().close();
    }
  });
});
