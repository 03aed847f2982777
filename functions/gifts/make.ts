import type { Context } from 'hono';
import { GIFT_DEFAULT_FROM, HOOKS, hook, PAGES } from '../../src/paywall/contract.ts';
import { settings } from '../../src/paywall/settings.ts';
import { entitlement } from '../../src/paywall/entitlement.ts';
import { unconfirmed } from '../accounts/confirmation.ts';
import { count } from '../analytics/index.ts';
import { findSession, hasSubscription, type SubscribedSession } from '../accounts/store.ts';
import { isEmbargoed } from '../embargo/index.ts';
import type { AppEnv } from '../env.ts';
import { readForm } from '../forms/index.ts';
import { manifestEntry } from '../manifest/index.ts';
import { monthOf, secondsUntilNextMonth } from '../meter/index.ts';
import { attribute, builtPage, text } from '../pages/built.ts';
import { safePage } from '../pages/index.ts';
import { giftLink } from './links.ts';
import { createGift, revokeGift } from './store.ts';

const MAX_FROM = 60;
const MAX_TITLE = 300;

/** One line of text as typed, without control characters or runs of spaces, cut to `max`. */
function oneLine(value: string | undefined, max: number): string {
  return (value ?? '').replace(/[\p{Cc}\p{Cf}]/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, max).trim();
}

const backToAccount = `<a href="${PAGES.account}">Back to your account</a>.`;

/** The logged-in reader's live subscription, or the response that says why gifts are not for them. */
async function giver(c: Context<AppEnv>, now: number): Promise<SubscribedSession | Response> {
  const sessionId = c.get('session')?.id;
  const record = sessionId ? await findSession(c.env.DB, sessionId, now) : null;
  if (!record) return c.redirect(`${PAGES.login}?return=${encodeURIComponent(PAGES.account)}`, 303);
  if (!hasSubscription(record) || !entitlement(record, now).reads) {
    return safePage(403, 'Giving stories is for subscribers', { detail: `Subscribe, and you can give ${settings.gifts.perMonth} stories a month. <a href="${PAGES.subscribe}">See our plans</a>.` });
  }
  return unconfirmed(record, 'give stories') ?? record;
}

/**
 * Makes a gift link for a story (the form under a story in full), within the monthly number, and
 * shows it. Only a published locked story can be given: a free one needs no gift, and a draft or
 * embargoed one is not there to give.
 */
export async function makeGift(c: Context<AppEnv>): Promise<Response> {
  const now = new Date();
  const seconds = Math.floor(now.getTime() / 1000);
  const record = await giver(c, seconds);
  if (record instanceof Response) return record;
  const form = await readForm(c, 'gift');
  if (form instanceof Response) return form;

  const story = await manifestEntry(c.env.ASSETS, c.req.url, form['story'] ?? '');
  if (!story || story.access === 'free' || isEmbargoed(story, seconds) || settings.gifts.perMonth === 0) {
    return safePage(404, 'That story cannot be given', { detail: `Only stories for subscribers can be given, once they are published. ${backToAccount}` });
  }
  const { perMonth, opensPerLink, days } = settings.gifts;
  const gift = await createGift(c.env.DB, {
    accountId: record.account_id,
    storyPath: story.path,
    storyTitle: oneLine(form['title'], MAX_TITLE) || story.path,
    fromName: oneLine(form['from'], MAX_FROM) || GIFT_DEFAULT_FROM,
    month: monthOf(now, settings.timeZone),
    now: seconds,
    seconds: days * 86_400,
    maxOpens: opensPerLink,
    perMonth,
  });
  if (!gift) {
    return safePage(429, `You have given your ${perMonth} stories for this month`, {
      retryAfter: secondsUntilNextMonth(now, settings.timeZone),
      detail: `You can give more from the first of next month. ${backToAccount}`,
    });
  }
  count(c, { event: 'gift_made', story: gift.story_path });
  const link = await giftLink(c.env.SIGNING_SECRET, new URL(c.req.url).origin, gift);
  const field = (name: string) => hook(HOOKS.giftField, name);
  const rewriter = new HTMLRewriter()
    .on(field('link'), attribute('value', link))
    .on(field('title'), text(gift.story_title))
    .on(field('from'), text(gift.from_name))
    .on(field('story'), attribute('href', gift.story_path));
  return builtPage(c, PAGES.gifts, 200, rewriter);
}

/** Withdraws one of the reader's gifts (the account page's button); its link opens nothing after. */
export async function withdrawGift(c: Context<AppEnv>): Promise<Response> {
  const sessionId = c.get('session')?.id;
  const now = Math.floor(Date.now() / 1000);
  const record = sessionId ? await findSession(c.env.DB, sessionId, now) : null;
  if (!record) return c.redirect(`${PAGES.login}?return=${encodeURIComponent(PAGES.account)}`, 303);
  const form = await readForm(c, 'gift');
  if (form instanceof Response) return form;
  await revokeGift(c.env.DB, record.account_id, form['gift'] ?? '', now);
  return c.redirect(`${PAGES.account}#gifts`, 303);
}
