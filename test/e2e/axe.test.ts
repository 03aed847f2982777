// Accessibility, checked in the browser: axe-core runs inside each kind of page, as the site
// serves it (the Worker's rewrites applied), in the light and the dark colour scheme. Axe must
// find no violations, and must be able to check every text's contrast; the page structure checks
// below say the same things plainly: one h1, no skipped heading levels, the three landmarks.
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_ACCOUNTS } from '../../scripts/demo-accounts.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/local-site.ts';
import { sourceStories } from '../content.ts';

const stories = sourceStories();
const free = stories.find((story) => story.access === 'free')!;
const premium = stories.find((story) => story.access === 'premium')!;
const [subscriber] = DEMO_ACCOUNTS;

interface PageUnderTest {
  name: string;
  path: string;
  status: number;
  /** Something only this page shows, so a wrong page (a redirect, an error) cannot pass. */
  shows: string;
  logIn?: boolean;
}

const PAGES: PageUnderTest[] = [
  { name: 'the front page', path: '/', status: 200, shows: free.path },
  { name: 'a story in full', path: free.path, status: 200, shows: '<article class="story' },
  { name: 'a story behind the wall', path: premium.path, status: 200, shows: 'data-wall-reason="premium"' },
  { name: 'the login page', path: '/login/', status: 200, shows: 'name="password"' },
  { name: 'the account page', path: '/account/', status: 200, shows: subscriber.email, logIn: true },
  { name: 'the page-not-found page', path: '/no-such-page/', status: 404, shows: '<h1' },
  { name: 'a section page', path: '/sections/city/', status: 200, shows: 'class="story-list"' },
  { name: 'the search page', path: '/search/', status: 200, shows: 'name="q"' },
];

interface AxeResult {
  id: string;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
});

async function logIn(page: Page) {
  await page.goto('/login/');
  await page.getByLabel('Email').fill(subscriber.email);
  await page.getByLabel('Password').fill(subscriber.password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.waitForURL('/account/');
}

function describeResults(results: AxeResult[]): string {
  return results
    .map((result) => `${result.id} (${result.help}):\n${result.nodes.map((node) => `  ${node.target.join(' ')}: ${node.failureSummary ?? ''}`).join('\n')}`)
    .join('\n');
}

async function headingLevels(page: Page): Promise<number[]> {
  return page.locator('h1, h2, h3, h4, h5, h6').evaluateAll((headings) =>
    // Rendered headings only (a visually hidden one counts: screen readers announce it).
    headings.filter((heading) => heading.getClientRects().length > 0).map((heading) => Number(heading.tagName.slice(1))),
  );
}

for (const colorScheme of ['light', 'dark'] as const) {
  describe(`in the ${colorScheme} colour scheme`, () => {
    it.each(PAGES)('$name has no accessibility violations', async (target) => {
      const options: BrowserContextOptions = { baseURL: inject('baseUrl'), colorScheme, viewport: { width: 1280, height: 900 } };
      const context = await browser.newContext(options);
      try {
        const page = await context.newPage();
        if (target.logIn) await logIn(page);
        const response = await page.goto(target.path);
        expect(response?.status()).toBe(target.status);
        expect(await page.content()).toContain(target.shows);
        expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(colorScheme === 'dark');

        // Evaluated through the debugging protocol, which the pages' content security policy
        // (no inline scripts) does not govern, so the policy stays on while axe runs.
        await page.evaluate(axe.source);
        const results = await page.evaluate(() =>
          (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations', 'incomplete'] }),
        );
        const violations = results.violations as AxeResult[];
        expect(violations.map((result) => result.id), describeResults(violations)).toEqual([]);
        const uncheckedContrast = (results.incomplete as AxeResult[]).filter((result) => result.id === 'color-contrast');
        expect(uncheckedContrast.length, `contrast axe could not check:\n${describeResults(uncheckedContrast)}`).toBe(0);

        const levels = await headingLevels(page);
        expect(levels.filter((level) => level === 1), 'one h1').toHaveLength(1);
        expect(levels[0], 'the h1 comes first').toBe(1);
        levels.forEach((level, index) => {
          if (index > 0) expect(level, `heading levels in order: ${levels.join(' ')}`).toBeLessThanOrEqual(levels[index - 1]! + 1);
        });
        for (const role of ['banner', 'main', 'contentinfo'] as const) {
          expect(await page.getByRole(role).count(), `one ${role} landmark`).toBe(1);
        }
      } finally {
        await context.close();
      }
    });
  });
}
