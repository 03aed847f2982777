import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { COOKIES, HOOKS, hook, LOGIN_LINK_PARAM, PAGES } from '../../src/paywall/contract.ts';
import { safeReturnPath } from '../accounts/return-path.ts';
import { accountForProvenEmail, subscriptionOf } from '../accounts/store.ts';
import { count } from '../analytics/index.ts';
import type { AppEnv } from '../env.ts';
import { attribute, builtPage, text } from '../pages/built.ts';
import { clearCookie, setCookie } from '../response/index.ts';
import { logInAs } from '../session/issue.ts';
import { isTokenShaped } from '../tokens/index.ts';
import { LINK_SECONDS, lookUpLink, useLink } from './links.ts';
import { outcomeCounts } from '../experiments/outcomes.ts';

/**
 * Opening a log-in link must not use it up: mail scanners open links before the reader does. So
 * the link's address only moves its token into a short-lived cookie and sends the browser on to
 * the same page without the token in the address (which then reaches no history, log or
 * Referer). That page has one button, "Log in", whose POST uses the link.
 */

type LinkState = { state: 'ready'; email: string } | { state: 'gone'; returnTo?: string };

function linkPage(c: Context<AppEnv>, view: LinkState): Promise<Response> {
  const field = (name: string) => hook(HOOKS.loginLinkField, name);
  const keep = (name: LinkState['state']): HTMLRewriterElementContentHandlers => ({
    element: (block) => void (view.state === name ? block.removeAttribute('hidden') : block.remove()),
  });
  const rewriter = new HTMLRewriter().on(field('ready'), keep('ready')).on(field('gone'), keep('gone'));
  if (view.state === 'ready') rewriter.on(field('email'), text(view.email));
  if (view.state === 'gone' && view.returnTo) rewriter.on('input[name="return"]', attribute('value', view.returnTo));
  return builtPage(c, PAGES.loginLink, view.state === 'ready' ? 200 : 410, rewriter);
}

/** GET: with a token, moves it into the cookie and redirects; without, shows the page for the cookie's link. */
export async function openLink(c: Context<AppEnv>): Promise<Response> {
  const token = c.req.query(LOGIN_LINK_PARAM);
  if (token !== undefined) {
    if (!isTokenShaped(token)) return linkPage(c, { state: 'gone' });
    setCookie(c, COOKIES.loginLink, token, LINK_SECONDS);
    return c.redirect(PAGES.loginLink, 303);
  }
  const held = getCookie(c, COOKIES.loginLink);
  const link = isTokenShaped(held) ? await lookUpLink(c.env.DB, held, Math.floor(Date.now() / 1000)) : null;
  if (link?.usable) return linkPage(c, { state: 'ready', email: link.email });
  if (held !== undefined) clearCookie(c, COOKIES.loginLink);
  return linkPage(c, { state: 'gone', ...(link ? { returnTo: safeReturnPath(link.return_to) } : {}) });
}

/**
 * POST "Log in": uses the link, once, and logs in the account with its email, creating the
 * account if there is none (that is how a reader registers). Then back to where they came from.
 */
export async function useLoginLink(c: Context<AppEnv>): Promise<Response> {
  const held = getCookie(c, COOKIES.loginLink);
  if (held !== undefined) clearCookie(c, COOKIES.loginLink);
  const now = Math.floor(Date.now() / 1000);
  const link = isTokenShaped(held) ? await useLink(c.env.DB, held, now) : null;
  if (!link) return linkPage(c, { state: 'gone' });
  const { account, created } = await accountForProvenEmail(c.env.DB, link.email, now);
  count(c, { event: 'link_used' }, ...(created ? [{ event: 'registration', from: link.from } as const, ...outcomeCounts(link.arms, 'registration')] : []));
  const subscription = await subscriptionOf(c.env.DB, account.id);
  await logInAs(c, { account_id: account.id, ...(subscription ?? { plan: null }) }, new Date(now * 1000));
  return c.redirect(safeReturnPath(link.return_to), 303);
}
