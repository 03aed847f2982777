import { getCookie } from 'hono/cookie';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.ts';
import { findSession } from '../accounts/store.ts';
import { clearedSessionCookie, sessionCookie } from './cookie.ts';
import { renewableSessionId, SESSION_COOKIE, signSession, verifySession, type Session } from './index.ts';
import { sessionKeys, type SessionKeys } from './keys.ts';
import { tokenLifetime } from './lifetime.ts';
import { providerConfig, verifyProviderToken } from './provider.ts';

interface Resolved {
  session?: Session;
  /** A renewed or cleared session cookie to send back. */
  cookie?: string;
}

function pastHalfLife(session: Session, now: number): boolean {
  return now - session.issuedAt >= (session.expiresAt - session.issuedAt) / 2;
}

/** A fresh token from the session's row in D1, or a cleared cookie if the session is gone. */
async function renew(env: Env, sessionId: string, keys: SessionKeys, now: Date): Promise<Resolved> {
  const seconds = Math.floor(now.getTime() / 1000);
  const record = await findSession(env.DB, sessionId, seconds);
  if (!record) return { cookie: clearedSessionCookie() };
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
  return { ...(session ? { session } : {}), cookie: sessionCookie(token, record.expires_at - seconds) };
}

async function resolve(env: Env, token: string | undefined, providerToken: () => string | undefined, now: Date): Promise<Resolved> {
  const keys = await sessionKeys(env);
  const session = await verifySession(token, keys, now);
  if (session) {
    return session.id && pastHalfLife(session, now.getTime() / 1000) ? renew(env, session.id, keys, now) : { session };
  }
  const expiredId = await renewableSessionId(token, keys);
  if (expiredId) return renew(env, expiredId, keys, now);
  const provider = providerConfig(env, SESSION_COOKIE);
  if (!provider) return {};
  const external = await verifyProviderToken(providerToken(), provider, now);
  return external ? { session: external } : {};
}

/**
 * Works out who the reader is, once per request, for the routes that care. Verifying a token
 * needs no database; only a token past half its life (or expired, with its login still open) is
 * renewed from D1, or cleared if the session was logged out or the subscription ended. Any error
 * here leaves the reader anonymous.
 */
export const session: MiddlewareHandler<AppEnv> = async (c, next) => {
  let resolved: Resolved = {};
  try {
    const idp = c.env.IDP_COOKIE || SESSION_COOKIE;
    resolved = await resolve(c.env, getCookie(c, SESSION_COOKIE), () => getCookie(c, idp), new Date());
  } catch (error) {
    console.error('paywall: reading the session failed; treating the reader as anonymous:', error);
  }
  c.set('session', resolved.session);
  await next();
  if (!resolved.cookie) return;
  // Copy first, then change: Hono's c.res setter would lay the old headers over new ones.
  c.res = new Response(c.res.body, c.res);
  c.res.headers.append('Set-Cookie', resolved.cookie);
  c.res.headers.set('Cache-Control', 'private, no-store');
  if (!/\bcookie\b/i.test(c.res.headers.get('Vary') ?? '')) c.res.headers.append('Vary', 'Cookie');
};
