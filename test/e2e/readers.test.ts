// Readers who do not pay yet, in a real browser: a reader uses the anonymous allowance, meets the
// registration offer, asks for a link, opens it from the local outbox and is back on the story in
// full; a subscriber of the test's own gives a story and finds the gift on the account page. The run saves
// the README's screenshots of the offer, the "check your email" page and the gifts.
import { describe, expect, inject, it } from 'vitest';
import { publishedPaths } from '../dist.ts';
import { LOCAL_OUTBOX_PATH, PAGES } from '../../src/paywall/contract.ts';
import { settings } from '../../src/paywall/settings.ts';
import { sourceStories } from '../content.ts';
import { newSubscriber } from '../purchase.ts';
import { expectAccessible } from './accessibility.ts';
import { SCREENSHOTS, text, useBrowser } from './browser.ts';

const published = await publishedPaths();
const stories = sourceStories().filter((story) => published.has(story.path) && story.lockedSentences.length > 0);
const metered = stories.filter((story) => story.access === 'metered');
const premium = stories.find((story) => story.access === 'premium');

const { readerPage } = useBrowser();

describe('a reader who registers in the browser', () => {
  it('meets the offer after the free stories, gets a link, opens it from the outbox and reads on', async () => {
    expect(metered.length, 'content/stories/ has more published metered stories than the anonymous allowance').toBeGreaterThan(settings.freeStoriesPerMonth);
    const page = await readerPage();
    try {
      for (const story of metered.slice(0, settings.freeStoriesPerMonth)) await page.goto(story.path);
      const story = metered[settings.freeStoriesPerMonth]!;
      await page.goto(story.path);
      for (const sentence of story.lockedSentences) expect(await text(page)).not.toContain(sentence);
      const offer = page.locator('.register-offer');
      await expect.poll(() => offer.isVisible()).toBe(true);
      expect(await text(page)).toContain(`read ${settings.registeredStoriesPerMonth - settings.freeStoriesPerMonth} more`);
      await expectAccessible(page);
      await page.locator('.wall').screenshot({ path: `${SCREENSHOTS}/register-wall.png`, animations: 'disabled' });

      const email = `browser-${Date.now()}@example.com`;
      await offer.getByLabel('Email').fill(email);
      await offer.getByRole('button', { name: 'Email me a link' }).click();
      await page.waitForURL((url) => url.pathname === PAGES.emailLink);
      expect(await text(page)).toContain(`We have sent a link to ${email}`);
      expect(await text(page), 'the words around the link keep their spaces').toContain('or ask for another link');
      await expectAccessible(page);
      await page.screenshot({ path: `${SCREENSHOTS}/link-sent.png`, animations: 'disabled' });

      await page.goto(LOCAL_OUTBOX_PATH);
      await page.getByRole('listitem').filter({ hasText: `To ${email},` }).getByRole('link', { name: 'Open the link in this email' }).click();
      await page.waitForURL((url) => url.pathname === PAGES.loginLink && url.search === '');
      expect(await text(page)).toContain(`You are logging in as ${email}`);
      await expectAccessible(page);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL((url) => url.pathname === story.path);
      const full = await text(page);
      for (const sentence of story.lockedSentences) expect(full).toContain(sentence);
    } finally {
      await page.context().close();
    }
  });
});

describe('a subscriber who gives a story in the browser', () => {
  it('makes a gift link under the story, finds it on the account page, and it opens for a friend', async () => {
    expect(premium, 'content/stories/ has a published premium story').toBeDefined();
    // Bought over HTTP, then logged in in the browser with the same cookies: a gift allowance of its own.
    const { reader } = await newSubscriber('browser-giver');
    const page = await readerPage();
    const friend = await readerPage();
    try {
      await page.context().addCookies([...reader.jar].map(([name, value]) => ({ name, value, url: inject('baseUrl') })));
      await page.goto(premium!.path);
      await page.getByLabel('Your name, as they will see it (optional)').fill('Your friend at the Courier');
      await page.getByRole('button', { name: 'Make a gift link' }).click();
      await page.waitForURL((url) => url.pathname === PAGES.gifts);
      await expectAccessible(page);
      const link = await page.getByLabel('Gift link').inputValue();

      await page.goto(`${PAGES.account}#gifts`);
      await expectAccessible(page);
      await page.locator('[data-account="gifts"]').screenshot({ path: `${SCREENSHOTS}/account-gifts.png`, animations: 'disabled' });

      await friend.goto(link);
      const read = await text(friend);
      expect(read).toContain('Your friend at the Courier gave you this story');
      for (const sentence of premium!.lockedSentences) expect(read).toContain(sentence);
      await expectAccessible(friend);
    } finally {
      await page.context().close();
      await friend.context().close();
    }
  });
});
