import { Hono } from 'hono';
import { isSearchFragmentPath, LOCAL_OUTBOX_PATH, PAGES, SEARCH_PREFIX, STORY_PREFIX } from '../src/paywall/contract.ts';
import { accounts } from './accounts/index.ts';
import { publicFile } from './archive/index.ts';
import { counting } from './analytics/index.ts';
import { consumeCounts } from './analytics/consumer.ts';
import { outboxPage } from './email/outbox.ts';
import { feeds } from './feeds/index.ts';
import { gifts } from './gifts/index.ts';
import { payments } from './payments/index.ts';
import { registration } from './registration/index.ts';
import { testModeBanner } from './payments/test-mode.ts';
import { hideEmbargoedCards } from './embargo/index.ts';
import type { AppEnv } from './env.ts';
import { safePage } from './pages/index.ts';
import { notFound } from './pages/not-found.ts';
import { newsroom, staffGate } from './newsroom/index.ts';
import { canonicalPath, isGuardedPath, isNewsroomPath } from './paths/index.ts';
import { cacheAs, finish } from './response/index.ts';
import { scheduled } from './scheduled/index.ts';
import { secretAddresses } from './security/index.ts';
import { sessionKeys } from './session/keys.ts';
import { session } from './session/request.ts';
import { serveStory } from './story/index.ts';

export const app = new Hono<AppEnv>();

// Outermost: every response, error pages included, leaves through the one layer that decides
// its cookies, caching and security headers.
app.use('*', finish);
// What each request decided is counted after its response has gone (functions/analytics).
app.use('*', counting);
// A log-in link, a gift or a private feed in the address: nothing answered for it is cached or referred.
app.use('*', secretAddresses);
app.use('*', testModeBanner);
app.use('*', hideEmbargoedCards);

// The full-text pages and the manifest are files in the assets, but only the edge reads them.
app.use('*', async (c, next) => {
  if (isGuardedPath(new URL(c.req.url).pathname)) return notFound(c);
  return next();
});

// One spelling per page: every other spelling is redirected before anything is decided.
app.on(['GET', 'HEAD'], '*', async (c, next) => {
  const url = new URL(c.req.url);
  const canonical = canonicalPath(url.pathname);
  if (canonical === url.pathname) return next();
  return c.redirect(`${canonical}${url.search}`, 301);
});

// The newsroom, in any spelling, is for staff only; everyone else gets the site's 404.
app.use('*', (c, next) => (isNewsroomPath(new URL(c.req.url).pathname) ? staffGate(c, next) : next()));

for (const path of [`${STORY_PREFIX}/*`, PAGES.login, `${PAGES.account}*`, '/logout/*', PAGES.subscribe, PAGES.checkoutReturn]) {
  app.use(path, session);
}

app.get(`${STORY_PREFIX}/*`, serveStory);
// An old story's search fragment may live in the R2 archive (src/paywall/archive.ts), like its page.
app.get(`${SEARCH_PREFIX}*`, (c, next) => {
  const path = new URL(c.req.url).pathname;
  return isSearchFragmentPath(path) ? publicFile(c, path) : next();
});

// Other services of the publisher verify our session tokens with these public keys.
app.get('/.well-known/jwks.json', async (c) => {
  const { published } = await sessionKeys(c.env);
  cacheAs(c, { publicFor: 300 });
  return c.json(published);
});

app.route('/', accounts);
app.route('/', registration);
app.route('/', gifts);
app.route('/', feeds);
app.route('/', payments);
app.route('/', newsroom);

// Local use only: the emails sent lately. Without LOCAL_OUTBOX it is the site's 404.
app.get(LOCAL_OUTBOX_PATH, outboxPage);

app.all('*', (c) => c.env.ASSETS.fetch(c.req.raw));

app.onError((error, c) => {
  console.error('paywall: unhandled error:', error);
  if (c.get('failure') === 'accounts') {
    return safePage(503, 'Accounts are briefly unavailable', {
      retryAfter: 30,
      detail: 'Logging in and account pages will be back in a moment; nothing you sent was saved. Stories stay open to read: go to the <a href="/">front page</a>.',
    });
  }
  return safePage(500, 'Something went wrong on our side');
});

export default { fetch: app.fetch, scheduled, queue: consumeCounts } satisfies ExportedHandler<Env>;
