import { jwtVerify, SignJWT } from 'jose';
import type { Reader } from '../../src/paywall/access.ts';
import { settings } from '../../src/paywall/settings.ts';
import type { SessionKeys } from './keys.ts';

export const SESSION_COOKIE = 'paywall_session';

/** A JWT longer than this is not one of ours; refuse it before parsing. */
export const MAX_TOKEN_LENGTH = 4096;

/** Clock skew tolerated between the edge and whoever signed the token, in seconds. */
const CLOCK_TOLERANCE = 30;

/** The claims a session token carries on top of the registered ones. */
export interface SessionClaims {
  /** Plan id from content/plans.json. */
  plan: string;
  /** When the subscription ends, as a NumericDate (seconds since the epoch). */
  plan_ends: number;
}

/**
 * What the session cookie says about the reader. Anything that does not verify (bad signature,
 * unknown key or algorithm, wrong issuer or audience, expired, malformed) is an anonymous reader:
 * the meter and the wall then apply as to anyone.
 */
export async function readSession(token: string | undefined, keys: SessionKeys, now: Date): Promise<Reader> {
  if (!token || token.length > MAX_TOKEN_LENGTH) return { kind: 'anonymous' };
  try {
    const { payload } = await jwtVerify<Partial<SessionClaims>>(token, keys.resolve, {
      algorithms: keys.algorithms,
      issuer: settings.session.issuer,
      audience: settings.session.audience,
      clockTolerance: CLOCK_TOLERANCE,
      currentDate: now,
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    const { plan, plan_ends: ends } = payload;
    if (typeof plan !== 'string' || !plan || typeof ends !== 'number' || !Number.isFinite(ends)) {
      return { kind: 'anonymous' };
    }
    return ends * 1000 > now.getTime()
      ? { kind: 'subscriber', plan, until: ends }
      : { kind: 'lapsed', plan, endedAt: ends };
  } catch {
    return { kind: 'anonymous' };
  }
}

export interface NewSession {
  subject: string;
  plan: string;
  planEnds: Date;
  /** How long the token itself is valid, in seconds. */
  lifetime: number;
}

/** Signs a session token with the first HS256 secret. */
export async function signSession(session: NewSession, keys: SessionKeys, now: Date): Promise<string> {
  if (!keys.signing) throw new Error('No HS256 secret to sign with: set SESSION_SECRETS');
  const issuedAt = Math.floor(now.getTime() / 1000);
  const claims: SessionClaims = { plan: session.plan, plan_ends: Math.floor(session.planEnds.getTime() / 1000) };
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', kid: keys.signing.kid, typ: 'JWT' })
    .setSubject(session.subject)
    .setIssuer(settings.session.issuer)
    .setAudience(settings.session.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + session.lifetime)
    .sign(keys.signing.secret);
}
