// The newsroom in a real browser, on `wrangler dev` with its real queue: a reader reads metered
// stories up to the wall, and staff, logged in as anyone logs in, find those reads counted on the
// dashboard, which passes the accessibility checks. Anonymous visitors get the site's 404. The run
// saves the README's screenshots of the dashboard.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_STAFF } from '../../scripts/demo-accounts.ts';
import { manifestStoryListPath, PAGES } from '../../src/paywall/contract.ts';
import type { StoryList } from '../../src/paywall/manifest.ts';
import { settings } from '../../src/paywall/settings.ts';
import { sourceStories } from '../content.ts';
import { DIST, publishedPaths } from '../dist.ts';
import { expectAccessible } from './accessibility.ts';
import { SCREENSHOTS, text, useBrowser } from './browser.ts';

const published = await publishedPaths();
const metered = sourceStories().filter((story) => published.has(story.path) && story.access === 'metered');
const titles: StoryList = JSON.parse(readFileSync(join(DIST, manifestStoryListPath()), 'utf8'));

const { readerPage } = useBrowser();

describe('the newsroom in the browser', () => {
  it('is the site\'s 404 for an anonymous visitor', async () => {
    const page = await readerPage();
    const response = await page.goto(PAGES.newsroom);
    expect(response?.status()).toBe(404);
    expect(await page.content()).not.toContain('id="funnel"');
  });

  it('shows staff the reads a reader just made, up to the wall, and saves the README\'s screenshots', async () => {
    expect(metered.length, 'content/stories/ has more published metered stories than the anonymous allowance').toBeGreaterThan(settings.freeStoriesPerMonth);
    const reader = await readerPage();
    const read = metered.slice(0, settings.freeStoriesPerMonth + 1);
    for (const story of read) await reader.goto(story.path);
    const walled = read.at(-1)!;

    const staff = await readerPage();
    await staff.goto(PAGES.login);
    await staff.getByLabel('Email').fill(DEMO_STAFF.email);
    await staff.getByLabel('Password').fill(DEMO_STAFF.password);
    await staff.getByRole('button', { name: 'Log in', exact: true }).click();
    await staff.waitForURL((url) => url.pathname !== PAGES.login);

    // The counts reach D1 through the queue, in batches of up to five seconds.
    const title = titles.stories.find(([path]) => path === walled.path)![1];
    const storyRow = () => staff.locator('#stories tbody tr', { has: staff.getByRole('rowheader', { name: title, exact: true }) });
    const wallViews = async () => {
      await staff.goto(`${PAGES.newsroom}?last=7&sort=wall_views&dir=desc`);
      const heads = await staff.locator('#stories thead th').allInnerTexts();
      const cells = await storyRow().locator('th, td').allInnerTexts();
      return Number((cells[heads.indexOf('Wall views')] ?? '0').replace(/\D/g, ''));
    };
    await expect.poll(wallViews, { timeout: 30_000, interval: 1_000 }).toBeGreaterThanOrEqual(1);
    expect(await text(staff)).toContain('Funnel');
    await expectAccessible(staff);
    await staff.screenshot({ path: `${SCREENSHOTS}/newsroom.png`, animations: 'disabled' });
    await staff.locator('#stories').screenshot({ path: `${SCREENSHOTS}/newsroom-stories.png`, animations: 'disabled' });
    await staff.locator('#meter').screenshot({ path: `${SCREENSHOTS}/newsroom-meter.png`, animations: 'disabled' });
  });
});
