import { beforeAll, describe, expect, it } from 'vitest';
import { plansFile } from '../src/paywall/plans.ts';
import { allowancesOf, settings } from '../src/paywall/settings.ts';
import { sourceStories } from './content.ts';
import { builtFiles } from './dist.ts';
import { Reader } from './reader.ts';
import { newSubscriber } from './purchase.ts';
import { COOKIES, FEEDS_PREFIX, GIFT_PARAM, PAGES } from '../src/paywall/contract.ts';
import { largestAllowance } from '../src/paywall/access.ts';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { meterHolding } from './meter.ts';
import { textOf } from './html.ts';
import { edited } from './tokens.ts';

// Every locked sentence, against every route and every built file, as an anonymous reader whose
// allowance is used up. The same sentences must reach a subscriber, or this test proves nothing.
const locked = sourceStories().filter((story) => story.access !== 'free');
// The anonymous reader below spends the allowance on these; they stay open to that reader.
const alreadyRead = locked.filter((story) => story.access === 'metered').slice(0, settings.freeStoriesPerMonth);
const walled = locked.filter((story) => !alreadyRead.includes(story));

function leaks(text: string, stories = walled): string[] {
  return stories.flatMap((story) => story.lockedSentences.filter((sentence) => text.includes(sentence)));
}

describe('locked text', () => {
  const anonymous = new Reader();

  beforeAll(async () => {
    for (const story of alreadyRead) await anonymous.get(story.path);
  });

  it('never reaches an anonymous reader through any built file', async () => {
    for (const file of builtFiles()) {
      const page = await anonymous.get(file);
      expect(page.status, file).toBeLessThan(500);
      expect(leaks(page.text), file).toEqual([]);
    }
  });

  it('never reaches a reader with no cookies through any built file, even the stories others have read', async () => {
    for (const file of builtFiles().filter((path) => !alreadyRead.some((story) => path.startsWith(story.path)))) {
      expect(leaks((await new Reader().get(file)).text, alreadyRead), file).toEqual([]);
    }
  });

  it('never reaches an anonymous reader on the walled stories, in any spelling', async () => {
    for (const story of walled) {
      for (const path of [story.path, story.path.slice(0, -1), `${story.path}index.html`, `/full${story.path}`, `/full${story.path}index.html`]) {
        const page = await anonymous.get(path);
        expect(page.status, path).toBeLessThan(500);
        expect(leaks(page.text), path).toEqual([]);
      }
    }
  });

  it('reaches a subscriber, so the checks above can fail', async () => {
    const subscriber = Reader.withToken('--plan', plansFile.plans[0]!.id);
    for (const story of locked) {
      const page = await subscriber.get(story.path);
      expect(leaks(page.text, [story]), story.slug).toEqual(story.lockedSentences);
    }
  });
});

// Gift links and private feed addresses are secrets in URLs: a stranger's guesses at them (a real
// one edited, cut, padded, or moved to another story) open nothing, while the real ones do.
describe('gift links and feed addresses', () => {
  const giftStory = locked.find((story) => story.access === 'premium') ?? locked[0]!;
  let gift: URL;
  let feed: string;

  beforeAll(async () => {
    const { reader: giver } = await newSubscriber('leak-probe-giver');
    const made = await giver.post(PAGES.gifts, { story: giftStory.path, title: 'Probe' });
    gift = new URL(/value="([^"]+)"[^>]*data-gift="link"/.exec(made.html)![1]!.replaceAll('&amp;', '&'));
    const page = await giver.post(PAGES.feed, {});
    feed = new URL(new RegExp(`value="(https?://[^"]+${FEEDS_PREFIX}[^"]+)"`).exec(page.html)![1]!).pathname;
  });

  it('open nothing when edited, cut, padded or moved to another story', async () => {
    const value = gift.searchParams.get(GIFT_PARAM)!;
    const guesses = [value.slice(0, -1), `${value}A`, edited(value), value.split('.').slice(0, 2).join('.')];
    for (const guess of guesses) {
      const page = await new Reader().get(`${giftStory.path}?${GIFT_PARAM}=${encodeURIComponent(guess)}`);
      expect(page.status).toBeLessThan(500);
      expect(leaks(page.text, [giftStory]), guess).toEqual([]);
    }
    // Moved to another story, the gift must not open it for a reader whose allowance is used up.
    const meter = await meterHolding(largestAllowance(allowancesOf()), parseEnv(readFileSync('.dev.vars', 'utf8'))['METER_SECRET']!);
    for (const story of locked.filter((candidate) => candidate.path !== giftStory.path)) {
      const page = await new Reader({ [COOKIES.meter]: meter }).get(`${story.path}${gift.search}`);
      expect(leaks(page.text, [story]), story.path).toEqual([]);
    }
    const token = feed.slice(FEEDS_PREFIX.length, -'.xml'.length);
    for (const guess of [token.slice(0, -1), `${token}A`, edited(token)]) {
      const page = await new Reader().get(`${FEEDS_PREFIX}${guess}.xml`);
      expect(page.status).toBe(404);
      expect(leaks(textOf(page.text), locked)).toEqual([]);
    }
  });

  it('while the real ones carry the locked text, so the checks above can fail', async () => {
    expect(leaks((await new Reader().get(`${gift.pathname}${gift.search}`)).text, [giftStory])).toEqual(giftStory.lockedSentences);
    const read = textOf((await new Reader().get(feed)).text);
    const inFeed = locked.filter((story) => leaks(read, [story]).length > 0);
    expect(inFeed.length).toBeGreaterThan(0);
    for (const story of inFeed) expect(leaks(read, [story]), story.slug).toEqual(story.lockedSentences);
  });
});
