import { env } from 'cloudflare:workers';
import { COOKIES, HOOKS, MANIFEST_PREFIX } from '../../src/paywall/contract.ts';
import { describe, expect, it } from 'vitest';
import { app } from '../../functions/index.ts';
import { assetsWith } from './assets.ts';
import { signSession } from '../../functions/session/index.ts';
import { sessionKeys } from '../../functions/session/keys.ts';
import { ORIGIN } from './client.ts';
import { plansFile } from '../../src/paywall/plans.ts';
import { builtManifest, storyWith, withPublishAt } from './publication.ts';

// A story whose publication time is ahead is built like any other; the edge answers 404 for it and
// takes it off every listing until that moment, with no rebuild. The test moves one story's time
// in the manifest the Worker reads (its shard and the index's pending embargoes), as a
// future-dated story's would be.

const free = (await storyWith('free')).path;
const premium = (await storyWith('premium')).path;
/** The newest story, which is on the first page of every listing it belongs to. */
const newest = (await builtManifest()).stories.find((story) => story.publishAt <= Date.now() / 1000)!.path;
const later = () => Math.floor(Date.now() / 1000) + 3600;
const earlier = () => Math.floor(Date.now() / 1000) - 60;

/** The story addresses a page links to, once each, in order. */
const storyLinks = (html: string) => [...new Set([...html.matchAll(/href="(\/stories\/[^"]+\/)"/g)].map((link) => link[1]!))];

/**
 * The listings that link to a story while it is published: the front page, the latest stories,
 * the date archive's months, and its section and tag pages (read from the story's own page).
 */
async function listingsOf(path: string): Promise<string[]> {
  const linksOf = async (page: string, pattern: RegExp) =>
    [...new Set([...(await (await app.request(`${ORIGIN}${page}`, {}, env)).text()).matchAll(pattern)].map((link) => link[1]!))];
  const candidates = [
    '/',
    '/latest/',
    ...(await linksOf('/archive/', /href="(\/archive\/\d{4}\/\d{2}\/)"/g)),
    ...(await linksOf(path, /href="(\/(?:sections|tags)\/[^"/]+\/)"/g)),
  ];
  const linking: string[] = [];
  for (const listing of candidates) {
    if ((await (await app.request(`${ORIGIN}${listing}`, {}, env)).text()).includes(`href="${path}"`)) linking.push(listing);
  }
  return linking;
}

describe('embargo at the edge', () => {
  it.each([free, premium])('answers 404 for %s until its publication time', async (path) => {
    const response = await app.request(`${ORIGIN}${path}`, {}, await withPublishAt(path, later()));
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('could not find that page');
  });

  it('takes the story off the front page, its section and the archive until then', async () => {
    const listings = await listingsOf(newest);
    expect(listings, 'the newest story is on the front page, its section page and its month').toEqual(
      expect.arrayContaining(['/', expect.stringMatching(/^\/sections\//), expect.stringMatching(/^\/archive\/\d{4}\/\d{2}\/$/)]),
    );
    const bindings = await withPublishAt(newest, later());
    for (const listing of listings) {
      const before = storyLinks(await (await app.request(`${ORIGIN}${listing}`, {}, env)).text());
      const response = await app.request(`${ORIGIN}${listing}`, {}, bindings);
      expect(response.status, listing).toBe(200);
      // Only that story's card goes: every other one stays.
      expect(storyLinks(await response.text()), listing).toEqual(before.filter((link) => link !== newest));
      expect(response.headers.get('ETag'), listing).toBeNull();
    }
  });

  it('leaves full text private while another story is embargoed', async () => {
    const token = await signSession(
      { subject: 'embargo', plan: plansFile.plans[0]!.id, planEnds: new Date(Date.now() + 86_400_000), lifetime: 3600 },
      await sessionKeys(env),
      new Date(),
    );
    const response = await app.request(`${ORIGIN}${premium}`, { headers: { Cookie: `${COOKIES.session}=${token}` } }, await withPublishAt(free, later()));
    expect(await response.text()).toContain('class="paywalled-part"');
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
  });

  it('keeps the story back by its own publication time when the manifest cannot be read', async () => {
    const future = later();
    const assets = assetsWith(env.ASSETS, (pathname) => (pathname.startsWith(`${MANIFEST_PREFIX}/`) ? new Response('', { status: 500 }) : undefined));
    const moved = {
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const response = await assets.fetch(input, init);
        if (new URL(new Request(input, init).url).pathname !== free) return response;
        const html = (await response.text()).replace(/(<meta name="paywall:publish-at" content=")\d+/, `$1${future}`);
        return new Response(html, response);
      },
    } as Fetcher;
    const response = await app.request(`${ORIGIN}${free}`, {}, { ...env, ASSETS: moved });
    expect(response.status).toBe(404);
    const published = await app.request(`${ORIGIN}${free}`, {}, { ...env, ASSETS: assets });
    expect(published.status).toBe(200);
  });

  it('takes the story off listings by its cards’ own publication time when the manifest cannot be read', async () => {
    const listings = await listingsOf(newest);
    const unreadable = assetsWith(env.ASSETS, (pathname) => (pathname.startsWith(`${MANIFEST_PREFIX}/`) ? new Response('', { status: 500 }) : undefined));
    /** The built listings, with the newest story's cards carrying `publishAt` instead of its time. */
    const cardsAt = (publishAt: string) =>
      ({
        fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
          const response = await unreadable.fetch(input, init);
          if (!response.headers.get('Content-Type')?.startsWith('text/html')) return response;
          const card = new RegExp(`(${HOOKS.storyCard}="${newest}" ${HOOKS.storyPublishAt}=")\\d+"`, 'g');
          return new Response((await response.text()).replace(card, `$1${publishAt}"`), response);
        },
      }) as Fetcher;
    for (const listing of listings) {
      const before = storyLinks(await (await app.request(`${ORIGIN}${listing}`, {}, env)).text());
      const held = await app.request(`${ORIGIN}${listing}`, {}, { ...env, ASSETS: cardsAt(String(later())) });
      expect(held.status, listing).toBe(200);
      expect(storyLinks(await held.text()), listing).toEqual(before.filter((link) => link !== newest));
      const broken = await app.request(`${ORIGIN}${listing}`, {}, { ...env, ASSETS: cardsAt('soon') });
      expect(storyLinks(await broken.text()), `${listing}, a card without a time`).toEqual(before.filter((link) => link !== newest));
      const published = await app.request(`${ORIGIN}${listing}`, {}, { ...env, ASSETS: unreadable });
      expect(storyLinks(await published.text()), listing).toEqual(before);
    }
  });

  it('serves and lists the story once the time has come', async () => {
    const bindings = await withPublishAt(newest, earlier());
    expect((await app.request(`${ORIGIN}${newest}`, {}, bindings)).status).toBe(200);
    for (const listing of await listingsOf(newest)) {
      expect(await (await app.request(`${ORIGIN}${listing}`, {}, bindings)).text(), listing).toContain(`href="${newest}"`);
    }
  });
});
