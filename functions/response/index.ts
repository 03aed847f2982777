import type { Context, MiddlewareHandler } from 'hono';
import { generateCookie } from 'hono/cookie';
import { COOKIES, PAGES } from '../../src/paywall/contract.ts';
import type { AppEnv } from '../env.ts';
import type { Caching, Outcome, SessionChange } from './outcome.ts';
import { hostedPageOrigins } from '../payments/providers.ts';
import { contentSecurityPolicy } from '../security/policy.ts';

/**
 * The one place that writes `Set-Cookie`, `Cache-Control`, `Vary` and the security headers.
 *
 * Handlers and middleware never set those headers themselves; they say what they want through
 * the functions below ("log this reader in", "this response is private", "the cookies decided
 * this response"), and `finish`, the outermost middleware, merges those wishes once, in one
 * order, into the response that leaves the Worker:
 *
 * 1. Cookies: an explicit log-in or log-out always wins over a renewal of the session token. No
 *    cookie is changed on a 5xx answer, so a failure half-way never logs anyone in or out.
 * 2. Caching: a response that sets a cookie, or whose URL holds a secret, is `private, no-store`
 *    whatever else was asked; otherwise the strictest wish wins; otherwise the asset server's own
 *    header stays (and an error without one is `no-store`).
 * 3. `Vary: Cookie` wherever the reader's cookies decided the body.
 * 4. Security headers: a content security policy, framing and referrer rules on HTML, `nosniff`
 *    everywhere, HSTS on HTTPS responses only (RFC 6797 §7.2), and for a URL that holds a secret,
 *    no referrer and no indexing.
 */

/** Two years, as browsers' preload lists ask; at least the year RFC 6797 deployments use. */
const HSTS = 'max-age=63072000';

const CACHE_CONTROL = {
  private: 'private, no-store',
  revalidate: 'public, max-age=0, must-revalidate',
} as const;

function outcomeOf(c: Context<AppEnv>): Outcome {
  return c.get('outcome');
}

/** Log the reader in: this token replaces whatever session cookie the browser has. */
export function startSession(c: Context<AppEnv>, token: string, maxAge: number): void {
  outcomeOf(c).session = { kind: 'set', token, maxAge };
}

/** Log the reader out: the session cookie (and the identity provider's, if it is ours) is cleared. */
export function endSession(c: Context<AppEnv>): void {
  outcomeOf(c).session = { kind: 'clear' };
}

/** A renewed session token, or `undefined` to end a session that is gone. Any log-in or log-out wins. */
export function renewSession(c: Context<AppEnv>, renewed: { token: string; maxAge: number } | undefined): void {
  outcomeOf(c).renewal = renewed ? { kind: 'set', ...renewed } : { kind: 'clear' };
}

export function setCookie(c: Context<AppEnv>, name: string, value: string, maxAge: number): void {
  outcomeOf(c).cookies.set(name, { value, maxAge });
}

/** The value this response is already set to give a cookie of ours (by a middleware or the handler), if any. */
export function cookieToSet(c: Context<AppEnv>, name: string): string | undefined {
  const wish = outcomeOf(c).cookies.get(name);
  return wish && wish.maxAge > 0 ? wish.value : undefined;
}

export function clearCookie(c: Context<AppEnv>, name: string): void {
  outcomeOf(c).cookies.set(name, { value: '', maxAge: 0 });
}

/** Asks for a way of caching; the strictest wish of the request wins. */
export function cacheAs(c: Context<AppEnv>, caching: Caching): void {
  const outcome = outcomeOf(c);
  outcome.caching = stricter(outcome.caching, caching);
}

/** The reader's cookies decided this response: caches must key it by them. */
export function personal(c: Context<AppEnv>): void {
  outcomeOf(c).personal = true;
}

/** Search engines must not index this response, should a crawler ever be let in. */
export function noindex(c: Context<AppEnv>): void {
  outcomeOf(c).noindex = true;
}

/** The request was refused for now: it may be tried again in `seconds`. */
export function retryAfter(c: Context<AppEnv>, seconds: number): void {
  outcomeOf(c).retryAfter = seconds;
}

/** The URL holds a secret: it must reach no cache and no other site's `Referer`. */
export function secretUrl(c: Context<AppEnv>): void {
  outcomeOf(c).secretUrl = true;
}

function strictness(caching: Caching | undefined): number {
  if (caching === undefined) return 0;
  if (caching === 'private') return Number.MAX_SAFE_INTEGER;
  if (caching === 'revalidate') return Number.MAX_SAFE_INTEGER - 1;
  return Number.MAX_SAFE_INTEGER - 2 - caching.publicFor;
}

export function stricter(a: Caching | undefined, b: Caching): Caching {
  return strictness(a) >= strictness(b) ? a! : b;
}

// Host-only (no Domain), HTTPS-only, out of reach of scripts, and not sent on cross-site POSTs.
const COOKIE_ATTRIBUTES = { path: '/', httpOnly: true, secure: true, sameSite: 'Lax' } as const;

function cookie(name: string, value: string, maxAge: number): string {
  return generateCookie(name, value, { ...COOKIE_ATTRIBUTES, maxAge });
}

function sessionCookie(change: SessionChange): string {
  return change.kind === 'set' ? cookie(COOKIES.session, change.token, change.maxAge) : cookie(COOKIES.session, '', 0);
}

/** Every `Set-Cookie` of a response, in a fixed order. */
export function cookiesFor(outcome: Outcome, identityProviderCookie: string | undefined): string[] {
  const cookies: string[] = [];
  const session = outcome.session ?? outcome.renewal;
  if (session) cookies.push(sessionCookie(session));
  // A provider's token kept in a cookie of this site is part of the login: end it too.
  const provider = identityProviderCookie?.trim();
  if (outcome.session?.kind === 'clear' && provider && provider !== COOKIES.session) cookies.push(cookie(provider, '', 0));
  for (const [name, { value, maxAge }] of outcome.cookies) cookies.push(cookie(name, value, maxAge));
  return cookies;
}

function cacheControl(caching: Caching): string {
  return typeof caching === 'string' ? CACHE_CONTROL[caching] : `public, max-age=${caching.publicFor}`;
}

function addVary(headers: Headers, name: string): void {
  const vary = headers.get('Vary');
  const names = (vary ?? '').split(',').map((part) => part.trim().toLowerCase());
  if (!names.includes(name.toLowerCase())) headers.set('Vary', vary ? `${vary}, ${name}` : name);
}

export function isHtml(headers: Headers): boolean {
  return headers.get('Content-Type')?.startsWith('text/html') ?? false;
}

/** The response as it leaves the Worker: the handler's body and status, with the headers decided here. */
export function finalResponse(request: Request, upstream: Response, outcome: Outcome, env: Partial<Env> = {}): Response {
  const response = new Response(upstream.body, upstream);
  const { headers } = response;
  const url = new URL(request.url);
  const html = isHtml(headers);

  headers.delete('Set-Cookie');
  const failed = response.status >= 500;
  const cookies = failed ? [] : cookiesFor(outcome, env.IDP_COOKIE);
  for (const value of cookies) headers.append('Set-Cookie', value);

  const caching = cookies.length > 0 || outcome.secretUrl ? 'private' : outcome.caching;
  if (caching) headers.set('Cache-Control', cacheControl(caching));
  else if (!headers.has('Cache-Control') && response.status >= 400) headers.set('Cache-Control', CACHE_CONTROL.private);
  if (outcome.personal || cookies.length > 0) addVary(headers, 'Cookie');

  headers.set('X-Content-Type-Options', 'nosniff');
  if (url.protocol === 'https:') headers.set('Strict-Transport-Security', HSTS);
  if (html) {
    headers.set('Content-Security-Policy', contentSecurityPolicy(url.pathname === PAGES.search ? 'search' : 'page', formTargetsOf(env)));
    headers.set('X-Frame-Options', 'DENY');
  }
  if (html || outcome.secretUrl) {
    headers.set('Referrer-Policy', outcome.secretUrl ? 'no-referrer' : 'strict-origin-when-cross-origin');
  }
  // A page reached by a secret address is never indexed, should a crawler ever be handed one.
  if (outcome.secretUrl || outcome.noindex) headers.set('X-Robots-Tag', 'noindex, nofollow');
  if (outcome.retryAfter !== undefined) headers.set('Retry-After', String(outcome.retryAfter));
  return response;
}

function formTargetsOf(env: Partial<Env>): string[] {
  try {
    return hostedPageOrigins(env as Env);
  } catch {
    return [];
  }
}

/** Pages are sent whole: a byte range could start inside text the edge rewrites or removes. */
function isPagePath(pathname: string): boolean {
  const last = pathname.slice(pathname.lastIndexOf('/') + 1);
  return !last.includes('.') || /\.html?$/i.test(last);
}

function withoutRange(request: Request): Request {
  if (request.method !== 'GET' && request.method !== 'HEAD') return request;
  if (!request.headers.has('Range') && !request.headers.has('If-Range')) return request;
  if (!isPagePath(new URL(request.url).pathname)) return request;
  const headers = new Headers(request.headers);
  headers.delete('Range');
  headers.delete('If-Range');
  return new Request(request, { headers });
}

/**
 * The outermost middleware: gives every request an empty outcome, sends pages without any
 * byte range, and finishes whatever response comes back. Handler errors arrive here already
 * turned into pages by `app.onError`, so every response passes through.
 */
export const finish: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('outcome', { cookies: new Map(), personal: false, secretUrl: false, noindex: false });
  c.req.raw = withoutRange(c.req.raw);
  await next();
  let response = c.res;
  if (response.status === 206 && isHtml(response.headers)) {
    console.error(`paywall: ${new URL(c.req.url).pathname} answered a byte range of a page; refusing it`);
    response = new Response(null, { status: 416 });
  }
  const final = finalResponse(c.req.raw, response, c.get('outcome'), c.env);
  // Hono's setter lays the old response's headers over a new one; clear it first.
  c.res = undefined;
  c.res = final;
};
