// Accessibility, checked in the browser: each kind of page, as the site serves it (the Worker's
// rewrites applied), in the light and the dark colour scheme, must pass expectAccessible (axe-core
// with no violations and every text's contrast checked, one h1 first, no skipped heading levels,
// the three landmarks). The stories and the section are the publication's own.
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_ACCOUNTS, DEMO_STAFF } from '../../scripts/demo-accounts.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/local-site.ts';
import { HOOKS, PAGES } from '../../src/paywall/contract.ts';
import { sourceStoryWith } from '../content.ts';
import { expectAccessible } from './accessibility.ts';

const [subscriber] = DEMO_ACCOUNTS;

interface PageUnderTest {
  name: string;
  path: string;
  status: number;
  /** Something only this page shows, so a wrong page (a redirect, an error) cannot pass. */
  shows: string;
  logIn?: { email: string; password: string };
}

function pagesUnderTest(): PageUnderTest[] {
  const free = sourceStoryWith('free');
  const premium = sourceStoryWith('premium');
  return [
    { name: 'the front page', path: '/', status: 200, shows: 'front-latest' },
    { name: 'a story in full', path: free.path, status: 200, shows: '<article class="story' },
    { name: 'a metered story, with its notice', path: sourceStoryWith('metered').path, status: 200, shows: HOOKS.meterNotice },
    { name: 'a story behind the wall', path: premium.path, status: 200, shows: `${HOOKS.wallReason}="premium"` },
    { name: 'the login page', path: PAGES.login, status: 200, shows: 'name="password"' },
    { name: 'the account page', path: PAGES.account, status: 200, shows: subscriber.email, logIn: subscriber },
    { name: 'the newsroom, for staff', path: PAGES.newsroom, status: 200, shows: 'id="funnel"', logIn: DEMO_STAFF },
    { name: 'the page-not-found page', path: '/no-such-page/', status: 404, shows: '<h1' },
    { name: 'a section page', path: `/sections/${premium.section}/`, status: 200, shows: 'class="story-list"' },
    { name: 'the search page', path: PAGES.search, status: 200, shows: 'name="q"' },
  ];
}

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
});

async function logIn(page: Page, account: { email: string; password: string }) {
  await page.goto(PAGES.login);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForURL(PAGES.account);
}

for (const colorScheme of ['light', 'dark'] as const) {
  describe(`in the ${colorScheme} colour scheme`, () => {
    it.each(pagesUnderTest())('$name has no accessibility violations', async (target) => {
      const options: BrowserContextOptions = { baseURL: inject('baseUrl'), colorScheme, viewport: { width: 1280, height: 900 } };
      const context = await browser.newContext(options);
      try {
        const page = await context.newPage();
        if (target.logIn) await logIn(page, target.logIn);
        const response = await page.goto(target.path);
        expect(response?.status()).toBe(target.status);
        expect(await page.content()).toContain(target.shows);
        expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(colorScheme === 'dark');
        await expectAccessible(page);
      } finally {
        await context.close();
      }
    });
  });
}
