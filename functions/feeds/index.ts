import { Hono, type Context } from 'hono';
import { FEEDS_PREFIX, PAGES, PRIVATE_FEED_PATH } from '../../src/paywall/contract.ts';
import { entitlement } from '../../src/paywall/entitlement.ts';
import { accountPage } from '../accounts/account-page.ts';
import { count } from '../analytics/index.ts';
import { unconfirmed } from '../accounts/confirmation.ts';
import { findSession, hasSubscription } from '../accounts/store.ts';
import type { AppEnv } from '../env.ts';
import { accountRoute, formLimit } from '../forms/index.ts';
import { notFound } from '../pages/not-found.ts';
import { safePage } from '../pages/index.ts';
import { sameOrigin } from '../security/index.ts';
import { isTokenShaped } from '../tokens/index.ts';
import { feedOwner, replaceFeedToken } from './store.ts';

/**
 * Subscribers' private feeds: the build's full-text feed of the latest stories, served at an
 * address only one subscriber knows, `/feeds/<token>.xml`, while their subscription is live. The
 * token is stored hashed; making a new address ends the old one. Every response here is private,
 * sends no Referer and is not indexed (the address holds a secret: functions/security/).
 */

export function feedAddress(origin: string, token: string): string {
  return `${origin}${FEEDS_PREFIX}${token}.xml`;
}

/** The feed, for a live subscriber's current address; the site's 404 for any other address. */
async function serveFeed(c: Context<AppEnv>): Promise<Response> {
  // One spelling: the address handed out, `<token>.xml`, and no other.
  const token = /^(.*)\.xml$/.exec(c.req.param('file') ?? '')?.[1];
  const owner = isTokenShaped(token) ? await feedOwner(c.env.DB, token) : null;
  if (!owner || !entitlement(owner, Math.floor(Date.now() / 1000)).reads) return notFound(c);
  const feed = await c.env.ASSETS.fetch(new Request(new URL(PRIVATE_FEED_PATH, c.req.url)));
  if (feed.status !== 200) return safePage(503, 'This feed is not available right now', { retryAfter: 60 });
  count(c, { event: 'feed_fetched' });
  return new Response(feed.body, { headers: { 'Content-Type': 'application/rss+xml; charset=utf-8' } });
}

/** Makes (or replaces) the subscriber's feed address, and shows it once on the account page. */
async function makeFeed(c: Context<AppEnv>): Promise<Response> {
  const sessionId = c.get('session')?.id;
  const now = Math.floor(Date.now() / 1000);
  const record = sessionId ? await findSession(c.env.DB, sessionId, now) : null;
  if (!record) return c.redirect(`${PAGES.login}?return=${encodeURIComponent(PAGES.account)}`, 303);
  if (!hasSubscription(record) || !entitlement(record, now).reads) {
    return safePage(403, 'Private feeds are for subscribers', { detail: `<a href="${PAGES.subscribe}">See our plans</a>, or go <a href="${PAGES.account}">back to your account</a>.` });
  }
  const refusal = unconfirmed(record, 'make a feed address');
  if (refusal) return refusal;
  const token = await replaceFeedToken(c.env.DB, record.account_id, now);
  return accountPage(c, { feedAddress: feedAddress(new URL(c.req.url).origin, token) });
}

export const feeds = new Hono<AppEnv>();

feeds.use(`${FEEDS_PREFIX}*`, accountRoute);
feeds.get(`${FEEDS_PREFIX}:file`, serveFeed);
feeds.use(PAGES.feed, accountRoute, formLimit);
feeds.post(PAGES.feed, sameOrigin, makeFeed);
