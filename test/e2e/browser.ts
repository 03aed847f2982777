// What the browser journeys of the paid and the registered reader share: Debian's Chromium,
// launched once per file, a desktop-sized page on the site under test, and the page's text as a
// reader sees it. Screenshots for the README go to SCREENSHOTS.
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/local-site.ts';
import { plainQuotes } from '../html.ts';

export const SCREENSHOTS = 'docs/screenshots';

/** Launches Chromium before the file's tests and closes it after; call once at the top of a test file. */
export function useBrowser(): { readerPage(): Promise<Page> } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    /** A page in a fresh browser context: no cookies, a desktop window. */
    async readerPage() {
      if (!browser) throw new Error('useBrowser() must be called at the top of the test file');
      const context = await browser.newContext({ baseURL: inject('baseUrl'), viewport: { width: 1280, height: 900 } });
      return context.newPage();
    },
  };
}

/** The page's text as a reader reads it: typographic quotes plain, white space folded. */
export async function text(page: Page): Promise<string> {
  return plainQuotes(await page.locator('body').innerText()).replace(/\s+/g, ' ');
}
