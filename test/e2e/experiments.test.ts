// The allowance experiment in real browsers, on a `wrangler dev` of its own with EXPERIMENTS on
// (the other journeys run with every reader in the control): fresh browsers are opened until two
// land in different arms, each reads up to the wall at its arm's number, one subscribes from
// that wall, and staff find both exposures and the subscription on the results page, which
// passes the accessibility checks. The run saves the README's screenshot of the results page.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_STAFF } from '../../scripts/demo-accounts.ts';
import { startLocalSite, type LocalSite } from '../../scripts/local-site.ts';
import { HOOKS, LOCKED_PART_CLASS, meterNotice, PAGES } from '../../src/paywall/contract.ts';
import { localDayOf } from '../../src/paywall/dates.ts';
import { runningOn, treatmentOf, variablesOf, type Arm } from '../../src/paywall/experiments.ts';
import { planCards } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import { wallMessages } from '../../src/paywall/wall.ts';
import { sourceStories } from '../content.ts';
import { parseCsv } from '../csv.ts';
import { publishedPaths } from '../dist.ts';
import { expectAccessible } from './accessibility.ts';
import { SCREENSHOTS, text, useBrowser } from './browser.ts';

const running = runningOn(localDayOf(new Date()));
const experiment = running.find((candidate) => variablesOf(candidate).includes('freeStoriesPerMonth'));
const published = await publishedPaths();
const metered = sourceStories().filter((story) => published.has(story.path) && story.access === 'metered');
const allowanceOf = (arm: Arm) => treatmentOf(new Map([[experiment!.id, arm.name]]), running).allowances;

const { readerPage } = useBrowser();
let site: LocalSite;

beforeAll(async () => {
  if (experiment) site = await startLocalSite({ name: 'presswall-experiments', vars: { EXPERIMENTS: 'on' } });
}, 180_000);
afterAll(async () => {
  await site?.stop();
});

const at = (path: string) => `${site.url}${path}`;

/** How many free stories the meter notice says this reader has, counting the story just read. */
async function allowanceShown(page: Page): Promise<number> {
  const notice = await page.locator(`[${HOOKS.meterNotice}]`).innerText();
  for (let remaining = 0; remaining <= 50; remaining++) if (notice.includes(meterNotice(remaining, true))) return remaining + 1;
  throw new Error(`The meter notice names no allowance: ${notice}`);
}

/** The experiment's results, as staff download them. */
async function results(staff: Page): Promise<Record<string, string>[]> {
  const response = await staff.request.get(at('/newsroom/experiments.csv'));
  expect(response.status()).toBe(200);
  const [header, ...rows] = parseCsv(await response.text());
  return rows.map((row) => Object.fromEntries(header!.map((name, index) => [name, row[index]!]))).filter((row) => row['experiment'] === experiment!.id);
}

describe.skipIf(!experiment)('an allowance experiment in the browser', () => {
  it('walls two readers in different arms at their arm’s number, and counts their exposures and one subscription', async () => {
    const largest = Math.max(...experiment!.arms.map((arm) => allowanceOf(arm).anonymous));
    expect(metered.length, `content/stories/ needs more published metered stories than the largest allowance of ${experiment!.id} (${largest})`).toBeGreaterThan(largest);

    // Fresh browsers, each with its own random id, until two arms with different allowances are
    // met: with two arms of any weights, 40 browsers all landing in one is all but impossible.
    const readers = new Map<number, Page>();
    let browsers = 0;
    while (readers.size < 2 && browsers < 40) {
      const page = await readerPage();
      browsers++;
      await page.goto(at(metered[0]!.path));
      const allowance = await allowanceShown(page);
      expect(experiment!.arms.some((arm) => allowanceOf(arm).anonymous === allowance), `${allowance} is the allowance of an arm`).toBe(true);
      if (!readers.has(allowance)) readers.set(allowance, page);
      else await page.context().close();
    }
    expect(readers.size, 'two browsers landed in arms with different allowances').toBe(2);

    for (const [allowance, page] of readers) {
      for (const story of metered.slice(1, allowance)) {
        await page.goto(at(story.path));
        expect(await page.locator(`.${LOCKED_PART_CLASS}`).count(), `story ${story.path} is read in full within ${allowance}`).toBe(1);
      }
      await page.goto(at(metered[allowance]!.path));
      expect(await page.locator(`.${LOCKED_PART_CLASS}`).count(), `the story after ${allowance} is walled`).toBe(0);
      const arm = experiment!.arms.find((candidate) => allowanceOf(candidate).anonymous === allowance)!;
      const allowances = allowanceOf(arm);
      const message = wallMessages(allowances)[allowances.registered > 0 ? 'register' : 'limit']!;
      expect(await text(page)).toContain(message.title);
    }

    // One of them subscribes from the wall, on the first plan's card, with the test card.
    const [subscribed, page] = [...readers][1]!;
    const card = planCards()[0]!;
    await page.getByRole('button', { name: new RegExp(` to ${card.name}$`) }).click();
    let payment = page;
    if (settings.payments.provider === 'razorpay') {
      [payment] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('link', { name: 'Open the payment page' }).click()]);
      await payment.waitForLoadState();
    } else {
      await page.waitForURL((url) => url.origin !== new URL(site.url).origin);
    }
    await payment.getByLabel('Email').fill(`experiment-${Date.now()}@example.com`);
    if (settings.payments.provider === 'razorpay') await payment.getByLabel('Phone').fill('+91 98765 43210');
    await payment.getByLabel('Name on card').fill('Test Reader');
    await payment.getByLabel('Card number').fill('4242 4242 4242 4242');
    await payment.getByLabel('Expiry (MM / YY)').fill('12 / 34');
    await payment.getByLabel('CVC').fill('123');
    await payment.getByRole('button', { name: /^Pay / }).click();
    if (settings.payments.provider === 'razorpay') {
      await payment.waitForLoadState();
      await payment.close();
      await page.getByRole('link', { name: 'I have paid: continue' }).click();
    }
    await page.waitForURL((url) => url.pathname === PAGES.checkoutReturn);
    expect(await text(page)).toContain('You are subscribed');
    const subscribedArm = experiment!.arms.find((arm) => allowanceOf(arm).anonymous === subscribed)!.name;

    const staff = await readerPage();
    await staff.goto(at(PAGES.login));
    await staff.getByLabel('Email').fill(DEMO_STAFF.email);
    await staff.getByLabel('Password').fill(DEMO_STAFF.password);
    await staff.getByRole('button', { name: 'Log in', exact: true }).click();
    await staff.waitForURL((url) => url.pathname !== PAGES.login);

    // Counts reach D1 through the queue, in batches of up to five seconds. Every browser opened
    // met the experiment once; the subscription is its arm's.
    const exposures = async () => (await results(staff)).filter((row) => row['outcome'] === 'subscription').map((row) => Number(row['exposures']));
    await expect.poll(async () => (await exposures()).reduce((sum, count) => sum + count, 0), { timeout: 30_000, interval: 1_000 }).toBe(browsers);
    expect((await exposures()).filter((count) => count > 0).length).toBeGreaterThanOrEqual(2);
    const subscriptions = async () =>
      Object.fromEntries((await results(staff)).filter((row) => row['outcome'] === 'subscription').map((row) => [row['arm'], Number(row['count'])]));
    await expect.poll(subscriptions, { timeout: 30_000, interval: 1_000 }).toEqual(
      Object.fromEntries(experiment!.arms.map((arm) => [arm.name, arm.name === subscribedArm ? 1 : 0])),
    );

    await staff.goto(at(PAGES.newsroomExperiments));
    expect(await text(staff)).toContain('Decide at the end date');
    expect(await text(staff)).toContain(experiment!.id);
    await expectAccessible(staff);
    await staff.screenshot({ path: `${SCREENSHOTS}/newsroom-experiments.png`, animations: 'disabled', fullPage: true });
  });
});
