import { getCookie } from 'hono/cookie';
import type { MiddlewareHandler } from 'hono';
import { COOKIES } from '../../src/paywall/contract.ts';
import type { AppEnv } from '../env.ts';
import { findSession } from '../accounts/store.ts';
import type { MeterCookie } from '../meter/account.ts';
import { meterCookieIn } from '../meter/index.ts';
import { renewSession, setCookie } from '../response/index.ts';
import { renewableSessionId, verifySession, type Session } from './index.ts';
import { meterWithToken, tokenFor } from './issue.ts';
import { sessionKeys, type SessionKeys } from './keys.ts';
import { providerConfig, verifyProviderToken } from './provider.ts';

interface Resolved {
  session?: Session;
  /** A renewed token to send back, or `null` to end a session that is gone. */
  renewal?: { token: string; maxAge: number } | null;
  /** The meter merged with the account's at the renewal, for a reader who reads on an allowance. */
  meter?: MeterCookie;
}

/** What the request brings: the session token, the meter, and the identity provider's token. */
interface Presented {
  token: string | undefined;
  meter: string | undefined;
  providerToken: () => string | undefined;
}

function pastHalfLife(session: Session, now: number): boolean {
  return now - session.issuedAt >= (session.expiresAt - session.issuedAt) / 2;
}

/**
 * A fresh token from the session's row in D1, with the meter merged with the account's, or the
 * end of the cookie if the session is gone.
 */
async function renew(env: Env, sessionId: string, meterCookie: string | undefined, keys: SessionKeys, now: Date): Promise<Resolved> {
  const record = await findSession(env.DB, sessionId, Math.floor(now.getTime() / 1000));
  if (!record) return { renewal: null };
  const renewal = await tokenFor(env, record, sessionId, record.expires_at, now);
  const meter = await meterWithToken(env, record, meterCookie, now);
  const session = await verifySession(renewal.token, keys, now);
  return { ...(session ? { session } : {}), renewal, ...(meter ? { meter } : {}) };
}

async function resolve(env: Env, { token, meter, providerToken }: Presented, now: Date): Promise<Resolved> {
  const keys = await sessionKeys(env);
  const session = await verifySession(token, keys, now);
  if (session) {
    if (!session.id || !pastHalfLife(session, now.getTime() / 1000)) return { session };
    try {
      return await renew(env, session.id, meter, keys, now);
    } catch (error) {
      // The token is still valid: the reader keeps reading, and renewal is tried again next time.
      console.error('paywall: renewing a session failed; keeping the current token:', error);
      return { session };
    }
  }
  const expiredId = await renewableSessionId(token, keys);
  if (expiredId) return renew(env, expiredId, meter, keys, now);
  const provider = providerConfig(env, COOKIES.session);
  if (!provider) return {};
  const external = await verifyProviderToken(providerToken(), provider, now);
  return external ? { session: external } : {};
}

/**
 * Works out who the reader is, once per request, for the routes that care. Verifying a token
 * needs no database; only a token past half its life (or expired, with its login still open) is
 * renewed from D1, or ended if the session was logged out or removed; a reader without a live
 * subscription gets their meter merged with their account's at the same time. The renewal is a
 * wish handed to the response layer, where an explicit log-in or log-out by the handler wins over it.
 * Any error here leaves the reader anonymous.
 */
export const session: MiddlewareHandler<AppEnv> = async (c, next) => {
  let resolved: Resolved = {};
  try {
    const idp = c.env.IDP_COOKIE || COOKIES.session;
    const presented = { token: getCookie(c, COOKIES.session), meter: meterCookieIn(c.req.header('Cookie')), providerToken: () => getCookie(c, idp) };
    resolved = await resolve(c.env, presented, new Date());
  } catch (error) {
    console.error('paywall: reading the session failed; treating the reader as anonymous:', error);
  }
  c.set('session', resolved.session);
  if (resolved.renewal !== undefined) renewSession(c, resolved.renewal ?? undefined);
  if (resolved.meter) setCookie(c, COOKIES.meter, resolved.meter.value, resolved.meter.maxAge);
  await next();
};
