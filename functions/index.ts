import { Hono } from 'hono';
import { accounts } from './accounts/index.ts';
import { serveLockedStory } from './story/index.ts';
import { hideEmbargoedCards, isEmbargoed } from './embargo/index.ts';
import type { AppEnv } from './env.ts';
import { loadManifest } from './manifest/index.ts';
import { PUBLISH_AT_META } from '../src/paywall/manifest.ts';
import { safePage } from './pages/index.ts';
import { canonicalPath, isGuardedPath } from './paths/index.ts';
import { securityHeaders } from './security/index.ts';
import { sessionKeys } from './session/keys.ts';
import { session } from './session/request.ts';

const app = new Hono<AppEnv>();

app.use('*', securityHeaders);
app.use('*', hideEmbargoedCards);

// The full-text pages and the manifest are files in the assets, but only the edge reads them.
app.use('*', async (c, next) => {
  if (isGuardedPath(new URL(c.req.url).pathname)) return notFound(c.env.ASSETS, c.req.url);
  return next();
});

// One spelling per page: every other spelling is redirected before anything is decided.
app.on(['GET', 'HEAD'], '*', async (c, next) => {
  const url = new URL(c.req.url);
  const canonical = canonicalPath(url.pathname);
  if (canonical === url.pathname) return next();
  return c.redirect(`${canonical}${url.search}`, 301);
});

for (const path of ['/stories/*', '/login/', '/account/', '/logout/*']) app.use(path, session);

app.get('/stories/*', async (c) => {
  const path = new URL(c.req.url).pathname;
  let manifest;
  try {
    manifest = await loadManifest(c.env.ASSETS, c.req.url);
  } catch (error) {
    // Without the manifest nothing can be unlocked; the public file is the teaser or a free story.
    console.error('paywall: manifest unavailable, serving public files only:', error);
    return publicPageUnlessEmbargoed(c.env.ASSETS, c.req.raw);
  }
  const story = manifest.get(path);
  if (story && isEmbargoed(story, Date.now() / 1000)) return notFound(c.env.ASSETS, c.req.url);
  if (!story || story.access === 'free') return c.env.ASSETS.fetch(c.req.raw);
  return serveLockedStory(c, story);
});

/** Without the manifest, a story page's own publication time still keeps an embargoed story back. */
async function publicPageUnlessEmbargoed(assets: Fetcher, request: Request): Promise<Response> {
  const page = await assets.fetch(request);
  if (page.status !== 200 || !page.headers.get('Content-Type')?.startsWith('text/html')) return page;
  const html = await page.text();
  const publishAt = new RegExp(`<meta name="${PUBLISH_AT_META}" content="(\\d+)"`).exec(html)?.[1];
  if (publishAt && Number(publishAt) > Date.now() / 1000) return notFound(assets, request.url);
  return new Response(html, page);
}

// Other services of the publisher verify our session tokens with these public keys.
app.get('/.well-known/jwks.json', async (c) => {
  const { published } = await sessionKeys(c.env);
  return c.json(published, 200, { 'Cache-Control': 'public, max-age=300' });
});

app.route('/', accounts);

app.all('*', (c) => {
  // Pages may be rewritten on the way out (embargoed cards); a byte range of one could start
  // inside a card and so escape the rewrite. Pages are small: always send them whole.
  const path = new URL(c.req.url).pathname;
  if (c.req.header('Range') && (path.endsWith('/') || path.endsWith('.html'))) {
    const headers = new Headers(c.req.raw.headers);
    headers.delete('Range');
    return c.env.ASSETS.fetch(new Request(c.req.raw, { headers }));
  }
  return c.env.ASSETS.fetch(c.req.raw);
});

app.onError((error) => {
  console.error('paywall: unhandled error:', error);
  return safePage(500, 'Something went wrong on our side');
});

async function notFound(assets: Fetcher, url: string): Promise<Response> {
  const page = await assets.fetch(new Request(new URL('/404.html', url)));
  if (page.status !== 200) return safePage(404, 'We could not find that page');
  return new Response(page.body, { status: 404, headers: page.headers });
}

export default app;
