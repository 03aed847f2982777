import { env } from 'cloudflare:workers';
import { COOKIES } from '../../src/paywall/contract.ts';
import { describe, expect, it } from 'vitest';
import { app } from '../../functions/index.ts';
import { assetsWith } from './assets.ts';
import { withPublishAt } from './publication.ts';
import { signSession } from '../../functions/session/index.ts';
import { sessionKeys } from '../../functions/session/keys.ts';
import { ORIGIN } from './client.ts';

// A story whose publication time is ahead is built like any other; the edge answers 404 for it and
// takes it off every listing until that moment, with no rebuild. The test moves one story's time
// in the manifest the Worker reads, as a future-dated story's would be.

const free = '/stories/storm-drain-audit-kesarbandar/';
const premium = '/stories/konkan-fishing-incomes-analysis/';
const later = () => Math.floor(Date.now() / 1000) + 3600;
const earlier = () => Math.floor(Date.now() / 1000) - 60;

describe('embargo at the edge', () => {
  it.each([free, premium])('answers 404 for %s until its publication time', async (path) => {
    const response = await app.request(`${ORIGIN}${path}`, {}, await withPublishAt(path, later()));
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('could not find that page');
  });

  it('takes the story off the front page, its section and the archive until then', async () => {
    const bindings = await withPublishAt(free, later());
    for (const listing of ['/', '/sections/city/', '/latest/', '/tags/monsoon/']) {
      const response = await app.request(`${ORIGIN}${listing}`, {}, bindings);
      const html = await response.text();
      expect(response.status, listing).toBe(200);
      expect(html, listing).not.toContain(`href="${free}"`);
      expect(html, listing).toContain('href="/stories/');
      expect(response.headers.get('ETag'), listing).toBeNull();
    }
  });

  it('leaves full text private while another story is embargoed', async () => {
    const token = await signSession(
      { subject: 'embargo', plan: 'saver', planEnds: new Date(Date.now() + 86_400_000), lifetime: 3600 },
      await sessionKeys(env),
      new Date(),
    );
    const response = await app.request(`${ORIGIN}${premium}`, { headers: { Cookie: `${COOKIES.session}=${token}` } }, await withPublishAt(free, later()));
    expect(await response.text()).toContain('class="paywalled-part"');
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
  });

  it('keeps the story back by its own publication time when the manifest cannot be read', async () => {
    const future = later();
    const assets = assetsWith(env.ASSETS, (pathname) => (pathname === '/paywall-manifest.json' ? new Response('', { status: 500 }) : undefined));
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

  it('serves and lists the story once the time has come', async () => {
    const bindings = await withPublishAt(free, earlier());
    expect((await app.request(`${ORIGIN}${free}`, {}, bindings)).status).toBe(200);
    expect(await (await app.request(`${ORIGIN}/`, {}, bindings)).text()).toContain(`href="${free}"`);
  });
});
