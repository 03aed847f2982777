import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { COOKIES, manifestIndexPath, PAGES } from '../../src/paywall/contract.ts';
import { plansFile } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import { hashPassword } from '../accounts/password.ts';
import { app } from '../index.ts';
import { signSession } from '../session/index.ts';
import { sessionKeys } from '../session/keys.ts';
import { ORIGIN } from '../../test/edge/client.ts';
import { storyWith } from '../../test/edge/publication.ts';
import { cookiesFor, finalResponse, stricter } from './index.ts';
import type { Outcome } from './outcome.ts';

const outcome = (parts: Partial<Outcome> = {}): Outcome => ({ cookies: new Map(), personal: false, secretUrl: false, noindex: false, ...parts });
const html = () => new Response('<p>hi</p>', { headers: { 'Content-Type': 'text/html; charset=utf-8' } });

describe('cookies', () => {
  it('lets a log-out win over a renewal of the same session cookie', () => {
    const cookies = cookiesFor(outcome({ session: { kind: 'clear' }, renewal: { kind: 'set', token: 'renewed', maxAge: 60 } }), undefined);
    expect(cookies).toEqual([expect.stringMatching(new RegExp(`^${COOKIES.session}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax$`))]);
  });

  it('lets a log-in win over a renewal', () => {
    const cookies = cookiesFor(outcome({ session: { kind: 'set', token: 'new', maxAge: 60 }, renewal: { kind: 'set', token: 'old', maxAge: 60 } }), undefined);
    expect(cookies).toEqual([`${COOKIES.session}=new; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Lax`]);
  });

  it('ends an identity provider token kept in a cookie of ours on log-out, not on renewal', () => {
    expect(cookiesFor(outcome({ session: { kind: 'clear' } }), 'idp_token')).toContainEqual(expect.stringMatching(/^idp_token=; Max-Age=0/));
    expect(cookiesFor(outcome({ renewal: { kind: 'clear' } }), 'idp_token').join()).not.toContain('idp_token');
  });

  it('sets nothing on a 5xx answer, so a failure half-way logs no one in or out', () => {
    const response = finalResponse(new Request(ORIGIN), new Response('x', { status: 503 }), outcome({ session: { kind: 'set', token: 't', maxAge: 60 } }));
    expect(response.headers.get('Set-Cookie')).toBeNull();
  });

  it('drops any cookie a handler set on its own: only the layer writes them', () => {
    const upstream = new Response('x', { headers: { 'Set-Cookie': 'sneaky=1' } });
    expect(finalResponse(new Request(ORIGIN), upstream, outcome()).headers.get('Set-Cookie')).toBeNull();
  });
});

describe('caching', () => {
  it('keeps the strictest wish', () => {
    expect(stricter(undefined, { publicFor: 60 })).toEqual({ publicFor: 60 });
    expect(stricter({ publicFor: 60 }, { publicFor: 300 })).toEqual({ publicFor: 60 });
    expect(stricter('revalidate', { publicFor: 60 })).toBe('revalidate');
    expect(stricter('private', 'revalidate')).toBe('private');
    expect(stricter({ publicFor: 60 }, 'private')).toBe('private');
  });

  it('never lets a shared cache keep a response that sets a cookie', () => {
    const response = finalResponse(new Request(ORIGIN), html(), outcome({ caching: { publicFor: 300 }, cookies: new Map([['x', { value: '1', maxAge: 1 }]]) }));
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    expect(response.headers.get('Vary')).toBe('Cookie');
  });

  it('keeps a secret URL out of caches and out of Referer headers', () => {
    const response = finalResponse(new Request(ORIGIN), html(), outcome({ secretUrl: true, caching: 'revalidate' }));
    expect(response.headers.get('Cache-Control')).toBe('private, no-store');
    expect(response.headers.get('Referrer-Policy')).toBe('no-referrer');
  });
});

describe('HSTS', () => {
  it('is sent on HTTPS responses only, for at least a year', () => {
    const secure = finalResponse(new Request('https://news.example/'), html(), outcome()).headers.get('Strict-Transport-Security');
    expect(Number(secure?.match(/max-age=(\d+)/)?.[1])).toBeGreaterThanOrEqual(31_536_000);
    expect(finalResponse(new Request('http://localhost:8787/'), html(), outcome()).headers.has('Strict-Transport-Security')).toBe(false);
  });
});

/**
 * Every kind of response the Worker gives, with the headers it must carry. A header set to
 * `null` must be absent; a RegExp must match.
 */
describe('the headers of each kind of response', () => {
  type Expected = Record<string, string | RegExp | null>;
  const HTML = {
    'Content-Security-Policy': /frame-ancestors 'none'/,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Strict-Transport-Security': /^max-age=\d{8}$/,
  };
  const PRIVATE = { 'Cache-Control': 'private, no-store', Vary: /Cookie/ };
  const day = 86_400;
  const now = () => Math.floor(Date.now() / 1000);
  let subscriber: string;
  const plan = plansFile.plans[0]!.id;

  beforeAll(async () => {
    const accountId = crypto.randomUUID();
    await env.DB.batch([
      env.DB.prepare('INSERT INTO accounts (id, email, password_hash, created_at, email_confirmed_at) VALUES (?1, ?2, ?3, ?4, ?4)').bind(accountId, 'headers@example.com', await hashPassword('a long enough password'), now()),
      env.DB.prepare("INSERT INTO subscriptions (account_id, plan, status, current_period_end) VALUES (?, ?, 'active', ?)").bind(accountId, plan, now() + 30 * day),
    ]);
    const token = await signSession({ subject: accountId, plan, planEnds: new Date((now() + 30 * day) * 1000), lifetime: 3600 }, await sessionKeys(env), new Date());
    subscriber = `${COOKIES.session}=${token}`;
  });

  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN },
    body: new URLSearchParams(fields).toString(),
  });

  const kinds: [string, () => Promise<[string, RequestInit?]>, number, Expected][] = [
    ['a free story', async () => [(await storyWith('free')).path], 200, { ...HTML, 'Set-Cookie': null, Vary: null }],
    ['a metered story read for the first time', async () => [(await storyWith('metered')).path], 200, { ...HTML, ...PRIVATE, 'Set-Cookie': new RegExp(`^${COOKIES.meter}=`) }],
    ['a premium teaser', async () => [(await storyWith('premium')).path], 200, { ...HTML, 'Cache-Control': 'public, max-age=0, must-revalidate', Vary: /Cookie/, ETag: /^W\//, 'Set-Cookie': null }],
    ['a premium story for a subscriber', async () => [(await storyWith('premium')).path, { headers: { Cookie: subscriber } }], 200, { ...HTML, ...PRIVATE, 'Set-Cookie': null }],
    ['the login page', async () => [PAGES.login], 200, { ...HTML, ...PRIVATE }],
    ['the account page, logged out', async () => [PAGES.account], 303, { ...PRIVATE, Location: /^\/login\// }],
    ['a refused login', async () => [PAGES.login, form({ email: 'nobody@example.com', password: 'wrong password' })], 401, { ...HTML, ...PRIVATE, 'Set-Cookie': null }],
    ['a log-out', async () => ['/logout/', { ...form({}), headers: { ...form({}).headers, Cookie: subscriber } }], 303, { ...PRIVATE, 'Set-Cookie': new RegExp(`^${COOKIES.session}=; Max-Age=0`) }],
    ['a cross-site form', async () => ['/logout/', { ...form({}), headers: { ...form({}).headers, Origin: 'https://evil.example' } }], 403, { ...HTML, ...PRIVATE, 'Set-Cookie': null }],
    ['a guarded file', async () => [manifestIndexPath()], 404, { ...HTML, 'Set-Cookie': null }],
    ['another spelling of a story', async () => [(await storyWith('premium')).path.toUpperCase()], 301, { Location: /^\/stories\//, 'Set-Cookie': null, 'X-Content-Type-Options': 'nosniff' }],
    ['a page that does not exist', async () => ['/no-such-page/'], 404, { ...HTML, 'Set-Cookie': null }],
    ['the public keys', async () => ['/.well-known/jwks.json'], 200, { 'Cache-Control': 'public, max-age=300', 'Content-Type': /application\/json/, 'Content-Security-Policy': null }],
    ['a feed', async () => ['/rss.xml'], 200, { 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': null, 'Set-Cookie': null }],
    ['a checkout return this browser did not start', async () => [PAGES.checkoutReturn + '?checkout=cs_test_x'], 400, { ...HTML, ...PRIVATE, 'Set-Cookie': null }],
    ['a webhook without a signature', async () => [`/payments/webhooks/${settings.payments.provider}`, { method: 'POST', body: '{}' }], 400, { 'Cache-Control': 'private, no-store', 'Content-Type': /application\/json/, 'Set-Cookie': null }],
    ['a plans page', async () => [PAGES.subscribe], 200, { ...HTML, 'Content-Security-Policy': /form-action 'self' \S+/, 'Set-Cookie': null }],
  ];

  it.each(kinds)('%s', async (_, request, status, expected) => {
    const [path, init] = await request();
    const response = await app.request(`${ORIGIN}${path}`, { redirect: 'manual', ...init }, env);
    expect(response.status).toBe(status);
    for (const [name, value] of Object.entries(expected)) {
      const actual = name === 'Set-Cookie' ? response.headers.getSetCookie().join('\n') || null : response.headers.get(name);
      if (value === null) expect(actual, name).toBeNull();
      else if (value instanceof RegExp) expect(actual, name).toMatch(value);
      else expect(actual, name).toBe(value);
    }
  });

  it('a stylesheet keeps the asset server caching, without page headers', async () => {
    const home = await (await app.request(`${ORIGIN}/`, {}, env)).text();
    const css = home.match(/href="(\/_astro\/[^"]+\.css)"/)?.[1];
    expect(css, 'the front page links a stylesheet').toBeTruthy();
    const response = await app.request(`${ORIGIN}${css}`, {}, env);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Security-Policy')).toBeNull();
    expect(response.headers.get('Set-Cookie')).toBeNull();
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
  });

  it('a page is always sent whole, whatever Range asks for', async () => {
    for (const path of ['/', (await storyWith('free')).path, (await storyWith('premium')).path]) {
      const response = await app.request(`${ORIGIN}${path}`, { headers: { Range: 'bytes=100-200' } }, env);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('Content-Range'), path).toBeNull();
      expect((await response.text()).length, path).toBeGreaterThan(101);
    }
  });
});
