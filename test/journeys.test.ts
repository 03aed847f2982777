import { plansFile } from '../src/paywall/plans.ts';
import { describe, expect, it } from 'vitest';
import { allowancesOf, settings } from '../src/paywall/settings.ts';
import { allowanceOf } from '../src/paywall/access.ts';
import { COOKIES } from '../src/paywall/contract.ts';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { meterHolding } from './meter.ts';
import { sourceStories } from './content.ts';
import { Reader, type Page } from './reader.ts';

const stories = sourceStories();
const free = stories.filter((story) => story.access === 'free');
const metered = stories.filter((story) => story.access === 'metered');
const premium = stories.filter((story) => story.access === 'premium');
const limit = settings.freeStoriesPerMonth;
const limitMessage = `You have read your ${limit} free stories for this month.`;

const isFull = (page: Page, story: (typeof stories)[number]) =>
  story.lockedSentences.every((sentence) => page.text.includes(sentence));
const showsNone = (page: Page, story: (typeof stories)[number]) =>
  story.lockedSentences.every((sentence) => !page.text.includes(sentence));

function expectWall(page: Page) {
  expect(page.status).toBe(200);
  for (const price of ['₹900', '₹2,700', '₹3,900', '₹300', '₹225', '₹162']) expect(page.text).toContain(price);
  for (const plan of plansFile.plans) {
    expect(page.html).toContain(`data-plan="${plan.id}"`);
    expect(page.html).toContain(`<input type="hidden" name="plan" value="${plan.id}">`);
  }
  expect(page.text).toContain('Already a subscriber? Log in');
  expect(page.text).toContain('Every plan includes');
}

describe('the demo publication', () => {
  it('has more metered stories than the monthly allowance, and every access level', () => {
    expect(metered.length).toBeGreaterThan(limit);
    expect(free.length).toBeGreaterThan(0);
    expect(premium.length).toBeGreaterThan(0);
    for (const story of [...metered, ...premium]) expect(story.lockedSentences.length, story.slug).toBeGreaterThan(0);
  });

  it('links every story from the front page', async () => {
    const home = await new Reader().get('/');
    expect(home.status).toBe(200);
    for (const story of stories) expect(home.html).toContain(`href="${story.path}"`);
  });
});

describe('an anonymous visitor', () => {
  it('reads free stories in full without using the allowance', async () => {
    const reader = new Reader();
    for (const story of free) {
      const page = await reader.get(story.path);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('free stories left');
    }
    expect(reader.jar.size).toBe(0);
  });

  it('uses up the allowance exactly at the limit, rereads for free, then meets the wall', async () => {
    const reader = new Reader();
    const notices = [];
    for (const story of metered.slice(0, limit)) {
      const page = await reader.get(story.path);
      expect(page.status).toBe(200);
      expect(isFull(page, story), story.slug).toBe(true);
      notices.push(page.text.match(/You have \d+ free stor(y|ies) left this month\.|This is your last free story this month\./)?.[0]);
    }
    expect(notices).toEqual([
      'You have 2 free stories left this month.',
      'You have 1 free story left this month.',
      'This is your last free story this month.',
    ]);

    const next = metered[limit]!;
    const walled = await reader.get(next.path);
    expect(showsNone(walled, next)).toBe(true);
    expectWall(walled);
    expect(walled.text).toContain(limitMessage);
    expect(walled.text).not.toContain('This story is for subscribers.');

    const reread = await reader.get(metered[0]!.path);
    expect(isFull(reread, metered[0]!)).toBe(true);
    expect(reread.text).toContain('stay free to reread');
  });

  it('meets the wall on premium stories whatever the meter says', async () => {
    const reader = new Reader();
    for (const story of premium) {
      const page = await reader.get(story.path);
      expect(showsNone(page, story), story.slug).toBe(true);
      expectWall(page);
      expect(page.text).toContain('This story is for subscribers.');
      expect(page.text).not.toContain(limitMessage);
    }
  });

  it('is redirected from other spellings of a story to the same decision', async () => {
    const story = premium[0]!;
    for (const path of [story.path.replace(/\/$/, ''), `${story.path}index.html`]) {
      const page = await new Reader().get(path);
      expect(showsNone(page, story), path).toBe(true);
    }
  });

  it('cannot open the full-text file directly', async () => {
    const page = await new Reader().get(`/full${premium[0]!.path}`);
    expect(page.status).toBe(404);
    expect(showsNone(page, premium[0]!)).toBe(true);
  });
});

describe('a subscriber', () => {
  it('reads every story in full, with no meter and no wall', async () => {
    const reader = Reader.withToken('--plan', 'essential');
    for (const story of stories) {
      const page = await reader.get(story.path);
      expect(page.status).toBe(200);
      expect(isFull(page, story), story.slug).toBe(true);
      expect(page.text).not.toContain('Already a subscriber? Log in');
      expect(page.text).not.toContain('free stories left');
    }
    expect(reader.jar.has('paywall_meter')).toBe(false);
  });

  it('whose subscription has ended meets the wall with a renewal message', async () => {
    const reader = Reader.withToken('--plan', 'essential', '--expired');
    const page = await reader.get(premium[0]!.path);
    expect(showsNone(page, premium[0]!)).toBe(true);
    expectWall(page);
    expect(page.text).toContain('Your subscription has ended.');

    // The account stays, so a lapsed reader reads on a free account's allowance; once it is used,
    // the wall still says the subscription has ended.
    const allowance = allowanceOf({ kind: 'lapsed', plan: 'essential', endedAt: 0 }, allowancesOf());
    reader.jar.set(COOKIES.meter, await meterHolding(allowance, parseEnv(readFileSync('.dev.vars', 'utf8'))['METER_SECRET']!));
    const walled = await reader.get(metered[0]!.path);
    expect(showsNone(walled, metered[0]!)).toBe(true);
    expect(walled.text).toContain('Your subscription has ended.');
  });
});
