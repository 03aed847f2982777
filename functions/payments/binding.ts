import { getCookie } from 'hono/cookie';
import type { Context } from 'hono';
import { COOKIES } from '../../src/paywall/contract.ts';
import type { AppEnv } from '../env.ts';
import { safeReturnPath } from '../accounts/return-path.ts';
import { setCookie } from '../response/index.ts';
import { sign, verify } from '../signed/index.ts';

/**
 * The cookie that binds checkouts to the browser that started them: only that browser may be
 * logged in by the return from the payment page. It lists the last few checkouts (a reader may
 * start one in each of two tabs) with the page to come back to, signed, for two hours.
 */
const PURPOSE = 'checkout-binding';
export const BINDING_SECONDS = 2 * 3600;
const MAX_BOUND = 4;

export interface Bound {
  provider: string;
  id: string;
  returnTo: string;
}

function isBound(value: unknown): value is Bound {
  const bound = value as Partial<Bound>;
  return typeof bound?.provider === 'string' && typeof bound.id === 'string' && typeof bound.returnTo === 'string';
}

/** The checkouts this browser started, from its verified cookie; none if it is missing or forged. */
export async function boundCheckouts(c: Context<AppEnv>): Promise<Bound[]> {
  const claims = await verify(c.env.SIGNING_SECRET, PURPOSE, getCookie(c, COOKIES.checkout));
  const list = claims?.['checkouts'];
  return Array.isArray(list) ? list.filter(isBound).map((bound) => ({ ...bound, returnTo: safeReturnPath(bound.returnTo) })) : [];
}

/** Adds a checkout to this browser's binding cookie, through the response layer. */
export async function bindCheckout(c: Context<AppEnv>, checkout: Bound): Promise<void> {
  const others = (await boundCheckouts(c)).filter((bound) => bound.id !== checkout.id);
  const value = await sign(c.env.SIGNING_SECRET, PURPOSE, { checkouts: [checkout, ...others].slice(0, MAX_BOUND) }, BINDING_SECONDS);
  setCookie(c, COOKIES.checkout, value, BINDING_SECONDS);
}
