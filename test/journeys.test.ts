import { COOKIES, HOOKS, meterNotice } from '../src/paywall/contract.ts';
import { planCards, plansFile } from '../src/paywall/plans.ts';
import { describe, expect, it } from 'vitest';
import { allowancesOf, settings } from '../src/paywall/settings.ts';
import { allowanceOf } from '../src/paywall/access.ts';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { meterHolding } from './meter.ts';
import { meteredBeyondAllowance, sourceStories, sourceStoriesWith, sourceStoryWith } from './content.ts';
import { plainQuotes, textOf } from './html.ts';
import { Reader, type Page } from './reader.ts';
import { ANONYMOUS_LIMIT, WALL_TITLES } from './wall.ts';

const stories = sourceStories();
const free = stories.filter((story) => story.access === 'free');
const limit = settings.freeStoriesPerMonth;
const plan = plansFile.plans[0]!.id;

const isFull = (page: Page, story: (typeof stories)[number]) =>
  story.lockedSentences.every((sentence) => page.text.includes(sentence));
const showsNone = (page: Page, story: (typeof stories)[number]) =>
  story.lockedSentences.every((sentence) => !page.text.includes(sentence));

function expectWall(page: Page) {
  expect(page.status).toBe(200);
  for (const card of planCards()) {
    // As the page's text reads them: a locale's no-break spaces folded like any other.
    expect(page.text).toContain(textOf(card.price));
    expect(page.text).toContain(textOf(`${card.perMonth} a month`));
    expect(page.html).toContain(`data-plan="${card.id}"`);
    expect(page.html).toContain(`<input type="hidden" name="plan" value="${card.id}">`);
  }
  expect(page.text).toContain('Already a subscriber? Log in');
  expect(page.text).toContain('Every plan includes');
}

/** The story addresses a listing page links to, once each. */
const storyLinks = (page: Page) => new Set([...page.html.matchAll(/href="(\/stories\/[^"]+\/)"/g)].map((link) => link[1]!));

describe('the publication under test', () => {
  it('has every access level, and locked text in every locked story', () => {
    expect(free.length, 'free stories in content/stories/').toBeGreaterThan(0);
    for (const story of [...meteredBeyondAllowance(), ...sourceStoriesWith('premium')]) expect(story.lockedSentences.length, story.slug).toBeGreaterThan(0);
  });

  it('links the newest story from the front page, and every story from the archive, a page at a time', async () => {
    const home = await new Reader().get('/');
    expect(home.status).toBe(200);
    const newest = (await new Reader().get('/latest/')).html.match(/href="(\/stories\/[^"]+\/)"/)?.[1];
    expect(home.html).toContain(`href="${newest}"`);

    const listed = new Set<string>();
    let pages = 0;
    for (let path: string | undefined = '/latest/'; path; pages++) {
      const page = await new Reader().get(path);
      expect(page.status, path).toBe(200);
      const links = storyLinks(page);
      expect(links.size, `${path} lists at most listingPageSize stories`).toBeLessThanOrEqual(settings.listingPageSize);
      for (const link of links) listed.add(link);
      path = page.html.match(/<a href="([^"]+)" rel="next">/)?.[1];
    }
    expect([...listed].sort()).toEqual(stories.map((story) => story.path).sort());
    expect(pages).toBe(Math.ceil(stories.length / settings.listingPageSize));
  });
});

describe('an anonymous visitor', () => {
  it('reads free stories in full without using the allowance', async () => {
    const reader = new Reader();
    for (const story of free) {
      const page = await reader.get(story.path);
      expect(page.status).toBe(200);
      expect(page.html).not.toContain(HOOKS.meterNotice);
    }
    expect(reader.jar.size).toBe(0);
  });

  it('uses up the allowance exactly at the limit, rereads for free, then meets the wall', async () => {
    const metered = meteredBeyondAllowance();
    const reader = new Reader();
    for (const [index, story] of metered.slice(0, limit).entries()) {
      const page = await reader.get(story.path);
      expect(page.status).toBe(200);
      expect(isFull(page, story), story.slug).toBe(true);
      expect(page.text, story.slug).toContain(meterNotice(limit - index - 1, true));
    }

    const next = metered[limit]!;
    const walled = await reader.get(next.path);
    expect(showsNone(walled, next)).toBe(true);
    expectWall(walled);
    expect(walled.text).toContain(WALL_TITLES[ANONYMOUS_LIMIT]);
    expect(walled.text).not.toContain(WALL_TITLES.premium);

    const reread = await reader.get(metered[0]!.path);
    expect(isFull(reread, metered[0]!)).toBe(true);
    expect(reread.text).toContain(plainQuotes(meterNotice(0, false)));
  });

  it('meets the wall on premium stories whatever the meter says', async () => {
    const reader = new Reader();
    for (const story of sourceStoriesWith('premium')) {
      const page = await reader.get(story.path);
      expect(showsNone(page, story), story.slug).toBe(true);
      expectWall(page);
      expect(page.text).toContain(WALL_TITLES.premium);
      expect(page.text).not.toContain(WALL_TITLES[ANONYMOUS_LIMIT]);
    }
  });

  it('is redirected from other spellings of a story to the same decision', async () => {
    const story = sourceStoryWith('premium');
    for (const path of [story.path.replace(/\/$/, ''), `${story.path}index.html`]) {
      const page = await new Reader().get(path);
      expect(showsNone(page, story), path).toBe(true);
    }
  });

  it('cannot open the full-text file directly', async () => {
    const premium = sourceStoryWith('premium');
    const page = await new Reader().get(`/full${premium.path}`);
    expect(page.status).toBe(404);
    expect(showsNone(page, premium)).toBe(true);
  });
});

describe('a subscriber', () => {
  it('reads every story in full, with no meter and no wall', async () => {
    const reader = Reader.withToken('--plan', plan);
    for (const story of stories) {
      const page = await reader.get(story.path);
      expect(page.status).toBe(200);
      expect(isFull(page, story), story.slug).toBe(true);
      expect(page.text).not.toContain('Already a subscriber? Log in');
      expect(page.html).not.toContain(HOOKS.meterNotice);
    }
    expect(reader.jar.has('paywall_meter')).toBe(false);
  });

  it('whose subscription has ended meets the wall with a renewal message', async () => {
    const premium = sourceStoryWith('premium');
    const metered = sourceStoryWith('metered');
    const reader = Reader.withToken('--plan', plan, '--expired');
    const page = await reader.get(premium.path);
    expect(showsNone(page, premium)).toBe(true);
    expectWall(page);
    expect(page.text).toContain(WALL_TITLES.lapsed);

    // The account stays, so a lapsed reader reads on a free account's allowance; once it is used,
    // the wall still says the subscription has ended.
    const allowance = allowanceOf({ kind: 'lapsed', plan, endedAt: 0 }, allowancesOf());
    reader.jar.set(COOKIES.meter, await meterHolding(allowance, parseEnv(readFileSync('.dev.vars', 'utf8'))['METER_SECRET']!));
    const walled = await reader.get(metered.path);
    expect(showsNone(walled, metered)).toBe(true);
    expect(walled.text).toContain(WALL_TITLES.lapsed);
  });
});
