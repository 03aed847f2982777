import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { FEEDS_PREFIX, PAGES } from '../../src/paywall/contract.ts';
import { settings } from '../../src/paywall/settings.ts';
import { textOf } from '../../test/html.ts';
import { leaksIn, lockedStories } from '../../test/edge/client.ts';
import { builtManifest } from '../../test/edge/publication.ts';
import { bindingsWith, endSubscription, Outbox, Reader, subscriber } from '../../test/edge/readers.ts';
import { uniqueEmail } from '../../test/edge/payments.ts';
import { hashToken } from '../tokens/index.ts';
import { edited } from '../../test/tokens.ts';

// Subscribers' private feeds inside workerd: an address only its subscriber knows, with the full
// text of the latest stories, that a reset or the end of the subscription turns into a 404.

const feedAddressIn = (html: string) => new RegExp(`value="(https?://[^"]+${FEEDS_PREFIX}[\\w-]+\\.xml)"`).exec(html)?.[1];
const pathOf = (address: string) => new URL(address).pathname;

/** A subscriber who has made their feed address: the browser, the account and the address's path. */
async function withFeed() {
  const outbox = new Outbox();
  const given = await subscriber(outbox, 'feed');
  const made = await given.reader.post(PAGES.feed, {});
  expect(made.status).toBe(200);
  const address = feedAddressIn(await made.text());
  if (!address) throw new Error('The account page shows no feed address');
  return { ...given, outbox, feed: pathOf(address), anyone: () => new Reader(bindingsWith(outbox)) };
}

describe('a private feed', () => {
  it('carries the full text of the latest stories, privately and unindexed, to anyone with the address', async () => {
    const { feed, anyone } = await withFeed();
    const response = await anyone().get(feed);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toContain('application/rss+xml');
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    expect(response.headers.get('X-Robots-Tag')).toContain('noindex');
    expect(response.headers.get('Referrer-Policy')).toBe('no-referrer');
    const xml = await response.text();
    const now = Date.now() / 1000;
    const published = (await builtManifest()).stories.filter((story) => story.publishAt <= now);
    expect(xml.match(/<item>/g)).toHaveLength(Math.min(settings.feedItems, published.length));
    const inFeed = lockedStories.filter((story) => xml.includes(`${story.path}</link>`));
    expect(inFeed.length, 'the feed has locked stories').toBeGreaterThan(0);
    const text = textOf(textOf(xml));
    for (const story of inFeed) expect(leaksIn(text, [story]), story.path).toEqual(story.lockedSentences);
  });

  it('keeps only the hash of its address', async () => {
    const { feed, accountId } = await withFeed();
    const token = feed.slice(FEEDS_PREFIX.length, -'.xml'.length);
    const row = await env.DB.prepare('SELECT * FROM feed_tokens WHERE account_id = ?').bind(accountId).first<Record<string, unknown>>();
    expect(row!['token_hash']).toBe(await hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('is reset from the account page: the old address is a 404, the new one works', async () => {
    const { reader, feed, anyone } = await withFeed();
    const page = await (await reader.get(PAGES.account)).text();
    expect(page, 'the address is shown only once').not.toContain(feed);
    const reset = await reader.post(PAGES.feed, {});
    const fresh = pathOf(feedAddressIn(await reset.text())!);
    expect(fresh).not.toBe(feed);
    expect((await anyone().get(feed)).status).toBe(404);
    expect((await anyone().get(fresh)).status).toBe(200);
  });

  it('stops when the subscription ends', async () => {
    const { feed, anyone, accountId } = await withFeed();
    await endSubscription(accountId);
    expect((await anyone().get(feed)).status).toBe(404);
  });

  it('answers forged, truncated, padded and edited addresses with 404, never a 5xx', async () => {
    const { feed, anyone } = await withFeed();
    const token = feed.slice(FEEDS_PREFIX.length, -'.xml'.length);
    const flipped = edited(token);
    const addresses = [flipped, token.slice(0, -1), `${token}A`, `${token}%3D`, token.toUpperCase(), '', 'x'.repeat(5000), '%00', '..%2F..%2Ffull%2Ffeed'].map(
      (variant) => `${FEEDS_PREFIX}${variant}.xml`,
    );
    addresses.push(`${FEEDS_PREFIX}${token}`, `${FEEDS_PREFIX}${token}.xml/`, `${FEEDS_PREFIX}`);
    for (const address of addresses) {
      const response = await anyone().get(address);
      expect([404, 301], address).toContain(response.status);
      expect(await response.text(), address).not.toContain('<item>');
    }
  });

  it('is for subscribers only', async () => {
    const outbox = new Outbox();
    const registered = new Reader(bindingsWith(outbox));
    await registered.logInByLink(outbox, uniqueEmail('no-feed'));
    expect((await registered.post(PAGES.feed, {})).status).toBe(403);
    const toLogin = await new Reader(bindingsWith(outbox)).post(PAGES.feed, {});
    expect(toLogin.status).toBe(303);
  });
});
