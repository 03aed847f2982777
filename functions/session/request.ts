import { getCookie } from 'hono/cookie';
import type { MiddlewareHandler } from 'hono';
import { COOKIES } from '../../src/paywall/contract.ts';
import type { AppEnv } from '../env.ts';
import { findSession } from '../accounts/store.ts';
import { renewSession } from '../response/index.ts';
import { renewableSessionId, signSession, verifySession, type Session } from './index.ts';
import { sessionKeys, type SessionKeys } from './keys.ts';
import { tokenLifetime } from './lifetime.ts';
import { providerConfig, verifyProviderToken } from './provider.ts';

interface Resolved {
  session?: Session;
  /** A renewed token to send back, or `null` to end a session that is gone. */
  renewal?: { token: string; maxAge: number } | null;
}

function pastHalfLife(session: Session, now: number): boolean {
  return now - session.issuedAt >= (session.expiresAt - session.issuedAt) / 2;
}

/** A fresh token from the session's row in D1, or the end of the cookie if the session is gone. */
async function renew(env: Env, sessionId: string, keys: SessionKeys, now: Date): Promise<Resolved> {
  const seconds = Math.floor(now.getTime() / 1000);
  const record = await findSession(env.DB, sessionId, seconds);
  if (!record) return { renewal: null };
  const token = await signSession(
    {
      subject: record.account_id,
      plan: record.plan,
      planEnds: new Date(record.current_period_end * 1000),
      // Never longer than the login itself has left.
      lifetime: Math.min(tokenLifetime(env), record.expires_at - seconds),
      sessionId,
    },
    keys,
    now,
  );
  const session = await verifySession(token, keys, now);
  return { ...(session ? { session } : {}), renewal: { token, maxAge: record.expires_at - seconds } };
}

async function resolve(env: Env, token: string | undefined, providerToken: () => string | undefined, now: Date): Promise<Resolved> {
  const keys = await sessionKeys(env);
  const session = await verifySession(token, keys, now);
  if (session) {
    if (!session.id || !pastHalfLife(session, now.getTime() / 1000)) return { session };
    try {
      return await renew(env, session.id, keys, now);
    } catch (error) {
      // The token is still valid: the reader keeps reading, and renewal is tried again next time.
      console.error('paywall: renewing a session failed; keeping the current token:', error);
      return { session };
    }
  }
  const expiredId = await renewableSessionId(token, keys);
  if (expiredId) return renew(env, expiredId, keys, now);
  const provider = providerConfig(env, COOKIES.session);
  if (!provider) return {};
  const external = await verifyProviderToken(providerToken(), provider, now);
  return external ? { session: external } : {};
}

/**
 * Works out who the reader is, once per request, for the routes that care. Verifying a token
 * needs no database; only a token past half its life (or expired, with its login still open) is
 * renewed from D1, or ended if the session was logged out or removed. The renewal is a wish
 * handed to the response layer, where an explicit log-in or log-out by the handler wins over it.
 * Any error here leaves the reader anonymous.
 */
export const session: MiddlewareHandler<AppEnv> = async (c, next) => {
  let resolved: Resolved = {};
  try {
    const idp = c.env.IDP_COOKIE || COOKIES.session;
    resolved = await resolve(c.env, getCookie(c, COOKIES.session), () => getCookie(c, idp), new Date());
  } catch (error) {
    console.error('paywall: reading the session failed; treating the reader as anonymous:', error);
  }
  c.set('session', resolved.session);
  if (resolved.renewal !== undefined) renewSession(c, resolved.renewal ?? undefined);
  await next();
};
