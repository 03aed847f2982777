import type { MiddlewareHandler } from 'hono';
import { FEEDS_PREFIX, GIFT_PARAM, LOGIN_LINK_PARAM } from '../../src/paywall/contract.ts';
import type { AppEnv } from '../env.ts';
import { safePage } from '../pages/index.ts';
import { canonicalPath } from '../paths/index.ts';
import { secretUrl } from '../response/index.ts';

/**
 * Refuses a POST that does not come from this site's own pages. Browsers send Origin with every
 * form POST; a request without one, or from another origin, is not from our forms.
 */
export const sameOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header('Origin');
  if (!origin || origin !== new URL(c.req.url).origin) {
    return safePage(403, 'This form can only be sent from our own pages. Go back, reload the page and try again.');
  }
  return next();
};

/**
 * Whether a request's address holds a secret: a log-in link's token, a gift, a private feed, in
 * any spelling. Such a response, whatever it is (a redirect, an error, the page itself), must
 * reach no shared cache and no other site's Referer.
 */
export function holdsSecret(url: URL): boolean {
  const names = [...url.searchParams.keys()].map((name) => name.toLowerCase());
  return names.includes(LOGIN_LINK_PARAM) || names.includes(GIFT_PARAM) || canonicalPath(url.pathname).toLowerCase().startsWith(FEEDS_PREFIX);
}

/** Marks every response to an address that holds a secret, before anything else answers it. */
export const secretAddresses: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (holdsSecret(new URL(c.req.url))) secretUrl(c);
  return next();
};
