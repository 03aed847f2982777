// Readers who do not pay yet, over HTTP against `wrangler dev` as `npm start` serves it: the
// registration offer, a log-in link from the local outbox, the meter on a second browser, and a
// subscriber's gift link and private feed (each test buys its own subscriber, so none shares a
// gift allowance). Stories and numbers come from content/ and the
// build, so the journeys hold for any publication.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { COOKIES, FEEDS_PREFIX, GIFT_PARAM, LOCAL_OUTBOX_PATH, PAGES } from '../src/paywall/contract.ts';
import { publishedPaths } from './dist.ts';
import { settings } from '../src/paywall/settings.ts';
import { sourceStories, type SourceStory } from './content.ts';
import { textOf } from './html.ts';
import { meterHolding } from './meter.ts';
import { logInByEmail, newSubscriber, uniqueEmail } from './purchase.ts';
import { Reader, type Page } from './reader.ts';

const published = await publishedPaths();
const stories = sourceStories().filter((story) => published.has(story.path) && story.lockedSentences.length > 0);
const metered = stories.filter((story) => story.access === 'metered');
const premium = stories.filter((story) => story.access === 'premium');
const meterSecret = parseEnv(readFileSync('.dev.vars', 'utf8'))['METER_SECRET']!;

const isFull = (page: Page, story: SourceStory) => story.lockedSentences.every((sentence) => page.text.includes(sentence));
const showsNone = (page: Page, story: SourceStory) => story.lockedSentences.every((sentence) => !page.text.includes(sentence));
const wallReason = (page: Page) => /data-wall-reason="(\w+)"/.exec(page.html)?.[1];

describe('a reader who registers', () => {
  it('reads the anonymous allowance, registers from the offer, and reads on another browser up to the plan cards', async () => {
    const anonymous = settings.freeStoriesPerMonth;
    const registered = settings.registeredStoriesPerMonth;
    expect(registered, 'content/site.json has a registration step').toBeGreaterThan(anonymous);
    // One browser reads the anonymous allowance and one more after registering; the other browser
    // re-reads one and is walled on a new one.
    expect(metered.length, 'content/stories/ has enough published metered stories').toBeGreaterThanOrEqual(anonymous + 2);
    const first = new Reader();
    for (const story of metered.slice(0, anonymous)) expect(isFull(await first.get(story.path), story), story.path).toBe(true);

    const next = metered[anonymous]!;
    const offer = await first.get(next.path);
    expect(showsNone(offer, next)).toBe(true);
    expect(wallReason(offer)).toBe('register');
    expect(offer.html).toContain(`action="${PAGES.emailLink}"`);
    expect(offer.html).toContain('class="plan-list"');

    const email = uniqueEmail('journey');
    const back = await logInByEmail(first, email, next.path);
    expect(back.status).toBe(200);
    expect(isFull(back, next), 'the link brings the reader back to the story, in full').toBe(true);

    // The second browser has read other stories before logging in; with the account's, that is
    // the whole registered allowance (whatever the number of stories under test).
    const second = new Reader({ [COOKIES.meter]: await meterHolding(registered - (anonymous + 1), meterSecret) });
    await logInByEmail(second, email, PAGES.account);
    const reread = await second.get(metered[0]!.path);
    expect(isFull(reread, metered[0]!), 'a story read on the first browser is a free re-read here').toBe(true);
    const last = metered[anonymous + 1]!;
    const walled = await second.get(last.path);
    expect(showsNone(walled, last)).toBe(true);
    expect(wallReason(walled)).toBe('limit');
    expect(walled.html).toContain('class="plan-list"');
  });

  it('lists the emails at the local outbox, which wrangler.toml leaves off for deployments', async () => {
    const page = await new Reader().get(LOCAL_OUTBOX_PATH);
    expect(page.status).toBe(200);
    expect(page.headers.get('Cache-Control')).toBe('private, no-store');
    expect(readFileSync('wrangler.toml', 'utf8')).toMatch(/^LOCAL_OUTBOX = ""$/m);
  });
});

describe('a subscriber', () => {
  const story = premium[0]!;

  it(`gives a premium story: it opens in full ${settings.gifts.opensPerLink} times and no more, and nothing else`, async () => {
    expect(story, 'content/stories/ has a published premium story').toBeDefined();
    const { reader: giver } = await newSubscriber('giver');
    const made = await giver.post(PAGES.gifts, { story: story.path, title: 'A gift', from: 'A friend' });
    expect(made.status).toBe(200);
    const link = new URL(/value="([^"]+)"[^>]*data-gift="link"/.exec(made.html)![1]!.replaceAll('&amp;', '&'));
    const path = `${link.pathname}${link.search}`;
    for (let open = 1; open <= settings.gifts.opensPerLink; open++) {
      const page = await new Reader().get(path);
      expect(isFull(page, story), `open ${open}`).toBe(true);
      if (open === 1) {
        expect(page.text).toContain('A friend gave you this story');
        expect(page.headers.get('Referrer-Policy')).toBe('no-referrer');
        expect(page.headers.get('Cache-Control')).toBe('private, no-store');
      }
    }
    const spent = await new Reader().get(path);
    expect(showsNone(spent, story)).toBe(true);
    expect(spent.text).toContain('This gift link no longer opens the story');

    for (const other of stories.filter((candidate) => candidate.path !== story.path)) {
      const page = await new Reader({ [COOKIES.meter]: await meterHolding(settings.registeredStoriesPerMonth, meterSecret) }).get(`${other.path}${link.search}`);
      expect(showsNone(page, other), other.path).toBe(true);
    }
  });

  it('withdraws a gift, and its link dies', async () => {
    const { reader: giver } = await newSubscriber('withdrawer');
    const made = await giver.post(PAGES.gifts, { story: story.path, title: 'A gift to withdraw' });
    const link = new URL(/value="([^"]+)"[^>]*data-gift="link"/.exec(made.html)![1]!.replaceAll('&amp;', '&'));
    const path = `${link.pathname}${link.search}`;
    expect(isFull(await new Reader().get(path), story)).toBe(true);
    const account = await giver.get(PAGES.account);
    const item = account.html.split('<li class="gift-item">').find((candidate) => candidate.includes(link.searchParams.get(GIFT_PARAM)!))!;
    const id = /name="gift" value="([^"]+)"/.exec(item)![1]!;
    const after = await giver.post(PAGES.revokeGift, { gift: id });
    expect(after.status).toBe(200);
    expect(showsNone(await new Reader().get(path), story)).toBe(true);
  });

  it('reads the private feed in full, and a reset turns the old address into a 404', async () => {
    const { reader } = await newSubscriber('feed-reader');
    const address = (page: Page) => new URL(new RegExp(`value="(https?://[^"]+${FEEDS_PREFIX}[^"]+)"`).exec(page.html)![1]!).pathname;
    const feed = address(await reader.post(PAGES.feed, {}));
    const response = await new Reader().get(feed);
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Robots-Tag')).toContain('noindex');
    const text = textOf(response.text);
    const inFeed = stories.filter((candidate) => response.html.includes(`${candidate.path}</link>`));
    expect(inFeed.length).toBeGreaterThan(0);
    for (const candidate of inFeed) expect(candidate.lockedSentences.every((sentence) => text.includes(sentence)), candidate.path).toBe(true);

    const fresh = address(await reader.post(PAGES.feed, {}));
    expect((await new Reader().get(feed)).status).toBe(404);
    expect((await new Reader().get(fresh)).status).toBe(200);
  });
});
