// Readers' journeys in a real browser: the machine's Chromium, driven by playwright-core, against
// the real site (built pages, the Worker, a local D1) that test/server.ts starts. Each journey
// runs in a fresh browser context: its own cookies, as a new visitor. The run also saves the
// screenshots in docs/screenshots/.
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_ACCOUNTS } from '../../scripts/demo-accounts.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/local-site.ts';
import { meterNotice } from '../../src/paywall/contract.ts';
import { planCards, plansFile } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import { meteredBeyondAllowance, sourceStoriesWith, sourceStoryWith, type SourceStory } from '../content.ts';
import { plainQuotes, textOf } from '../html.ts';
import { ANONYMOUS_LIMIT, WALL_TITLES as WALL } from '../wall.ts';

const limit = settings.freeStoriesPerMonth;
const [subscriber, lapsed] = DEMO_ACCOUNTS;
const cards = planCards();

const SCREENSHOTS = 'docs/screenshots';
const DESKTOP = { width: 1280, height: 800 };
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
});

interface Visit {
  context: BrowserContext;
  page: Page;
  /** Scripts the pages loaded, and errors the browser reported (a refused inline style, say). */
  scripts: string[];
  errors: string[];
}

/** A new visitor: a fresh context, so no cookies from any other journey. */
async function visit(journey: (visit: Visit) => Promise<void>, options: BrowserContextOptions = {}): Promise<void> {
  const context = await browser.newContext({ baseURL: inject('baseUrl'), viewport: DESKTOP, ...options });
  const page = await context.newPage();
  const scripts: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => {
    if (request.resourceType() === 'script') scripts.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    await journey({ context, page, scripts, errors });
    expect(errors, 'the browser reported errors').toEqual([]);
  } finally {
    await context.close();
  }
}

/** What the reader sees: rendered text, hidden elements left out, typographic quotes made plain. */
async function visibleText(page: Page): Promise<string> {
  return plainQuotes(await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

/** Story pages run no JavaScript: no script elements the browser would execute (JSON data is fine). */
async function expectNoScripts(page: Page) {
  const executable = await page
    .locator('script')
    .evaluateAll((scripts) => scripts.filter((script) => !(script as HTMLScriptElement).type || /javascript|ecmascript|module/i.test((script as HTMLScriptElement).type)).length);
  expect(executable, 'script elements on a story page').toBe(0);
}

async function expectFull(page: Page, story: SourceStory) {
  await expectNoScripts(page);
  const text = await visibleText(page);
  for (const sentence of story.lockedSentences) expect(text, `${story.slug} in full`).toContain(sentence);
  expect(await page.locator('.wall').count(), 'no wall under a story in full').toBe(0);
  expect(await lastParagraphMask(page), 'a story in full does not fade out').toBe('none');
}

async function lastParagraphMask(page: Page): Promise<string> {
  return page.locator('.story-body > :last-child').evaluate((element) => getComputedStyle(element).maskImage);
}

/** Not a word of the locked part anywhere in the document, visible or not. */
async function expectLockedOut(page: Page, story: SourceStory) {
  const text = textOf(await page.content());
  for (const sentence of story.lockedSentences) expect(text, `${story.slug} leaks its locked part`).not.toContain(sentence);
}

/** The wall, with exactly the message for this reason and the plans under it. */
async function expectWall(page: Page, reason: keyof typeof WALL) {
  await expectNoScripts(page);
  await expect.poll(() => page.getByRole('heading', { name: WALL[reason], exact: true }).isVisible()).toBe(true);
  for (const [other, title] of Object.entries(WALL)) {
    if (other !== reason) expect(await page.getByText(title).count(), `"${title}" on a ${reason} wall`).toBe(0);
  }
  const plans = page.getByRole('list', { name: 'Subscription plans' }).getByRole('listitem');
  expect(await plans.count()).toBe(cards.length);
  for (const [index, card] of cards.entries()) {
    const item = plans.nth(index);
    expect(await item.isVisible()).toBe(true);
    const text = (await item.innerText()).replace(/\s+/g, ' ');
    for (const part of [card.name, card.price, `for ${card.length}`, `${card.perMonth} a month`, plansFile.renewal]) {
      // Spaces folded as in the text, a locale's no-break spaces too.
      expect(text, `the ${card.id} card`).toContain(part.replace(/\s+/g, ' '));
    }
    const button = item.getByRole('button', { name: `Subscribe to ${card.name}`, exact: true });
    expect(await button.isVisible()).toBe(true);
    expect(await item.locator('input[name="plan"]').inputValue()).toBe(card.id);
  }
  expect(await page.getByRole('link', { name: 'Log in', exact: true }).isVisible()).toBe(true);
}

async function shownMeterNotice(page: Page): Promise<string> {
  const notice = page.locator('[data-meter-notice]');
  expect(await notice.isVisible(), 'the meter notice is shown').toBe(true);
  return (await notice.innerText()).trim();
}

/**
 * Follows a story's link on the front page, as a reader does; a story too old to be there is
 * opened by its address, as from a link elsewhere.
 */
async function openFromFrontPage(page: Page, story: SourceStory) {
  await page.goto('/');
  const link = page.locator(`main a[href="${story.path}"]`).first();
  if (await link.count()) await link.click();
  else await page.goto(story.path);
  await page.waitForURL(story.path);
}

async function cookieNames(context: BrowserContext): Promise<string[]> {
  return (await context.cookies()).map((cookie) => cookie.name);
}

/** Fills the login form the way most readers do: click, type, click. */
async function logIn(page: Page, account: { email: string; password: string }) {
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

/** Scrolls so the story's last visible paragraph sits near the top, then shoots the viewport. */
async function screenshotWall(page: Page, path: string) {
  const lastParagraph = await page.locator('.story-body > :last-child').boundingBox();
  await page.evaluate((top) => window.scrollTo(0, top), Math.max(0, (lastParagraph?.y ?? 0) - 80));
  await page.screenshot({ path, animations: 'disabled' });
}

describe('an anonymous reader', () => {
  it('reads the free stories in full without touching the allowance', async () => {
    await visit(async ({ context, page, scripts }) => {
      for (const [index, story] of sourceStoriesWith('free').entries()) {
        await openFromFrontPage(page, story);
        expect(await page.locator('.wall').count(), `${story.slug} is free`).toBe(0);
        await expectNoScripts(page);
        expect(await page.locator('[data-meter-notice]').count()).toBe(0);
        expect(await lastParagraphMask(page), 'a free story does not fade out').toBe('none');
        expect(await page.locator('article.story .story-body p').first().isVisible()).toBe(true);
        if (index === 0) await page.screenshot({ path: `${SCREENSHOTS}/article.png`, animations: 'disabled' });
      }
      expect(await cookieNames(context)).not.toContain('paywall_meter');
      expect(scripts, 'pages ship no client JavaScript').toEqual([]);
    });
  });

  it('uses up the monthly allowance, meets the wall with the right number, and rereads for free', async () => {
    const metered = meteredBeyondAllowance();
    await visit(async ({ context, page, scripts }) => {
      for (const [index, story] of metered.slice(0, limit).entries()) {
        await openFromFrontPage(page, story);
        await expectFull(page, story);
        expect(await shownMeterNotice(page)).toBe(meterNotice(limit - index - 1, true));
      }
      expect(await cookieNames(context)).toContain('paywall_meter');

      const next = metered[limit]!;
      await openFromFrontPage(page, next);
      await expectWall(page, ANONYMOUS_LIMIT);
      await expectLockedOut(page, next);

      const first = metered[0]!;
      await openFromFrontPage(page, first);
      await expectFull(page, first);
      expect(await shownMeterNotice(page)).toBe(meterNotice(0, false));
      expect(scripts, 'pages ship no client JavaScript').toEqual([]);
    });
  });

  it('meets the wall on a premium story, with the plans side by side and the chosen one standing out', async () => {
    await visit(
      async ({ page }) => {
        const story = sourceStoryWith('premium');
        await openFromFrontPage(page, story);
        await expectWall(page, 'premium');
        await expectLockedOut(page, story);

        expect(await lastParagraphMask(page), 'the lead-in fades into the wall').toContain('gradient');

        const items = page.getByRole('list', { name: 'Subscription plans' }).getByRole('listitem');
        const boxes = await Promise.all(cards.map((_, index) => items.nth(index).boundingBox()));
        for (let index = 1; index < boxes.length; index++) {
          const [left, right] = [boxes[index - 1]!, boxes[index]!];
          expect(right.x, 'cards sit side by side').toBeGreaterThanOrEqual(left.x + left.width);
          expect(right.y, 'cards share a row').toBeLessThan(left.y + left.height);
        }

        const looks = await items.evaluateAll((elements) =>
          elements.map((element) => {
            const style = getComputedStyle(element);
            return { background: style.backgroundColor, border: parseFloat(style.borderTopWidth), shadow: style.boxShadow };
          }),
        );
        const chosen = cards.findIndex((card) => card.highlighted);
        if (chosen === -1) {
          // content/plans.json highlights no plan, so no card may claim to be the chosen one.
          expect(await items.getByText('Most chosen').count()).toBe(0);
        } else {
          expect(await items.nth(chosen).getByText('Most chosen').isVisible()).toBe(true);
          for (const [index, look] of looks.entries()) {
            if (index === chosen) continue;
            expect(look.background, 'the chosen plan has its own background').not.toBe(looks[chosen]!.background);
            expect(looks[chosen]!.border, 'the chosen plan has a stronger border').toBeGreaterThan(look.border);
          }
          expect(looks[chosen]!.shadow).not.toBe('none');
        }

        await screenshotWall(page, `${SCREENSHOTS}/wall-desktop.png`);
      },
      { viewport: { width: 1280, height: 900 } },
    );
  });

  it('on a phone, sees the plans stacked and tappable, taps "Log in" and reads the story in full', async () => {
    await visit(async ({ page }) => {
      const story = sourceStoryWith('premium');
      await page.goto(story.path);
      await expectWall(page, 'premium');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, 'nothing is wider than the phone').toBeLessThanOrEqual(0);

      const items = page.getByRole('list', { name: 'Subscription plans' }).getByRole('listitem');
      const boxes = (await Promise.all(cards.map((_, index) => items.nth(index).boundingBox()))).map((box) => box!);
      for (let index = 1; index < boxes.length; index++) {
        expect(boxes[index]!.y, 'cards are stacked').toBeGreaterThanOrEqual(boxes[index - 1]!.y + boxes[index - 1]!.height);
        expect(Math.abs(boxes[index]!.x - boxes[0]!.x)).toBeLessThan(1);
      }
      for (const box of boxes) expect(box.width, 'cards use the width of the phone').toBeGreaterThan(300);
      for (const card of cards) {
        const button = await page.getByRole('button', { name: `Subscribe to ${card.name}`, exact: true }).boundingBox();
        expect(button!.height, 'buttons are big enough to tap').toBeGreaterThanOrEqual(44);
      }
      await screenshotWall(page, `${SCREENSHOTS}/wall-phone.png`);

      await page.getByRole('link', { name: 'Log in', exact: true }).tap();
      await page.waitForURL((url) => url.pathname === '/login/');
      await logIn(page, subscriber);
      await page.waitForURL(story.path);
      await expectFull(page, story);
    }, PHONE);
  });
});

describe('a subscriber', () => {
  it('logs in from the wall and lands back on the story in full, then logs out and meets the wall again', async () => {
    await visit(async ({ context, page }) => {
      const story = sourceStoryWith('premium');
      await page.goto(story.path);
      await expectWall(page, 'premium');

      await page.getByRole('link', { name: 'Log in', exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/login/');
      expect(new URL(page.url()).searchParams.get('return')).toBe(story.path);
      expect(await page.locator('input[name="return"]').inputValue()).toBe(story.path);
      await page.screenshot({ path: `${SCREENSHOTS}/login.png`, animations: 'disabled' });

      await logIn(page, subscriber);
      await page.waitForURL(story.path);
      await expectFull(page, story);
      expect(await page.locator('.paywalled-part').isVisible()).toBe(true);
      expect(await cookieNames(context)).toContain('paywall_session');

      await page.goto('/account/');
      expect(await page.locator('[data-account="email"]').innerText()).toBe(subscriber.email);
      expect(await page.locator('[data-account="status"]').innerText()).toMatch(/^Active until/);
      await page.getByRole('button', { name: 'Log out', exact: true }).click();
      await page.waitForURL('/');
      expect(await cookieNames(context)).not.toContain('paywall_session');

      await page.goto(story.path);
      await expectWall(page, 'premium');
      await expectLockedOut(page, story);
    });
  });

  it('whose subscription has ended logs in and meets the wall with the renewal message', async () => {
    await visit(async ({ page }) => {
      const story = sourceStoryWith('premium');
      await page.goto(story.path);
      await page.getByRole('link', { name: 'Log in', exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/login/');
      await logIn(page, lapsed);
      await page.waitForURL(story.path);
      await expectWall(page, 'lapsed');
      await expectLockedOut(page, story);

      await page.goto('/account/');
      expect(await page.locator('[data-account="status"]').innerText()).toMatch(/^Ended on/);
      expect(await page.getByRole('link', { name: 'Renew your subscription' }).isVisible()).toBe(true);
    });
  });
});

/** The focused element, described; and whether it shows a focus ring. */
async function focused(page: Page) {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    const style = element ? getComputedStyle(element) : null;
    return {
      tag: element?.tagName.toLowerCase() ?? '',
      id: element?.id ?? '',
      name: (element?.innerText ?? '').replace(/\s+/g, ' ').trim(),
      href: element?.getAttribute('href') ?? '',
      ring: !!style && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
      // Within the viewport, give or take the sub-pixel rounding of the browser's scroll.
      onScreen: !!element && element.getBoundingClientRect().top >= -1 && element.getBoundingClientRect().bottom <= window.innerHeight + 1,
    };
  });
}

/** Presses Tab until the focused element matches, and returns every stop on the way. */
async function tabTo(page: Page, matches: (stop: Awaited<ReturnType<typeof focused>>) => boolean, most = 40) {
  const stops = [];
  for (let press = 0; press < most; press++) {
    await page.keyboard.press('Tab');
    const stop = await focused(page);
    stops.push(stop);
    if (matches(stop)) return stops;
  }
  throw new Error(`Tab never reached the element; stops: ${JSON.stringify(stops.map((stop) => stop.name || stop.id))}`);
}

describe('a keyboard-only reader', () => {
  it('tabs through the wall to the plans and "Log in", follows it with Enter, and logs in without a mouse', async () => {
    await visit(async ({ page }) => {
      const story = sourceStoryWith('premium');
      await page.goto(story.path);
      await expectWall(page, 'premium');

      const stops = await tabTo(page, (stop) => stop.name === 'Log in');
      expect(stops[0]!.name, 'the first stop skips to the content').toBe('Skip to content');
      expect(stops[0]!.onScreen, 'the skip link shows when focused').toBe(true);
      const plans = stops.filter((stop) => stop.name.startsWith('Subscribe')).map((stop) => stop.name);
      expect(plans, 'every plan button, in order, before "Log in"').toEqual(cards.map((card) => `Subscribe to ${card.name}`));
      for (const stop of stops) {
        expect(stop.ring, `focus ring on "${stop.name}"`).toBe(true);
        expect(stop.onScreen, `"${stop.name}" scrolled into view`).toBe(true);
      }

      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === '/login/');
      expect(new URL(page.url()).searchParams.get('return')).toBe(story.path);

      const toEmail = await tabTo(page, (stop) => stop.id === 'email', 20);
      expect(toEmail.at(-1)!.ring).toBe(true);
      await page.keyboard.type(subscriber.email);
      await page.keyboard.press('Tab');
      const password = await focused(page);
      expect(password.id).toBe('password');
      expect(password.ring).toBe(true);
      await page.keyboard.type(subscriber.password);
      await page.keyboard.press('Enter');
      await page.waitForURL(story.path);
      await expectFull(page, story);
    });
  });
});
