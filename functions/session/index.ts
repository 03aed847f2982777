import { decodeJwt, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { Reader } from '../../src/paywall/access.ts';
import { settings } from '../../src/paywall/settings.ts';
import type { SessionKeys } from './keys.ts';

/** A JWT longer than this is not one of ours; refuse it before parsing. */
export const MAX_TOKEN_LENGTH = 4096;

/** Clock skew tolerated between the edge and whoever signed the token, in seconds. */
export const CLOCK_TOLERANCE = 30;

/**
 * The claims a session token carries on top of the registered ones. A subscriber's (or a lapsed
 * subscriber's) token carries the plan and its end; a registered reader's, who has an account and
 * no subscription, carries neither.
 */
export interface SessionClaims {
  /** Plan id from content/plans.json. */
  plan?: string;
  /** When the subscription ends, as a NumericDate (seconds since the epoch). */
  plan_ends?: number;
  /** The session row in D1, for renewal and logout. Absent on tokens minted by scripts. */
  sid?: string;
}

/** A verified session token. */
export interface Session {
  reader: Reader;
  subject: string;
  /** The D1 session behind the token, when there is one. */
  id?: string;
  issuedAt: number;
  expiresAt: number;
}

/** What a verified token says about the reader, given its plan and plan end. */
export function readerFrom(plan: unknown, ends: unknown, now: Date): Reader {
  if (typeof plan !== 'string' || !plan || typeof ends !== 'number' || !Number.isFinite(ends)) {
    return { kind: 'anonymous' };
  }
  return ends * 1000 > now.getTime() ? { kind: 'subscriber', plan, until: ends } : { kind: 'lapsed', plan, endedAt: ends };
}

type Claims = JWTPayload & Partial<SessionClaims>;

/** How many verified tokens an isolate keeps, per set of keys; the oldest goes first. */
const VERIFIED_TOKENS_KEPT = 1000;
const verifiedTokens = new WeakMap<SessionKeys, Map<string, Claims>>();

/**
 * A token's claims if it verifies now. A reader sends the same token with every request for
 * hours, and checking its signature (ES256) again each time was most of what a subscriber's story
 * cost the edge; so a token whose signature and claims verified is kept, by its exact text, and
 * later only its times are checked again, as jwtVerify checks them.
 */
async function verifiedClaims(token: string, keys: SessionKeys, now: Date): Promise<Claims | undefined> {
  let tokens = verifiedTokens.get(keys);
  if (!tokens) verifiedTokens.set(keys, (tokens = new Map()));
  const known = tokens.get(token);
  if (known) return inTime(known, now) ? known : undefined;
  let payload: Claims;
  try {
    ({ payload } = await jwtVerify<Partial<SessionClaims>>(token, keys.resolve, {
      algorithms: keys.algorithms,
      issuer: settings.session.issuer,
      audience: settings.session.audience,
      clockTolerance: CLOCK_TOLERANCE,
      currentDate: now,
      requiredClaims: ['exp', 'iat', 'sub'],
    }));
  } catch {
    return undefined;
  }
  if (tokens.size >= VERIFIED_TOKENS_KEPT) tokens.delete(tokens.keys().next().value!);
  tokens.set(token, payload);
  return payload;
}

/** jwtVerify's checks of `nbf` and `exp` (both verified as numbers when the token was), with the same tolerance. */
function inTime(claims: Claims, now: Date): boolean {
  const at = Math.floor(now.getTime() / 1000);
  return !(claims.nbf !== undefined && claims.nbf > at + CLOCK_TOLERANCE) && claims.exp! > at - CLOCK_TOLERANCE;
}

/**
 * Verifies one of our session tokens. Anything that does not verify (bad signature, unknown key
 * or algorithm, wrong issuer or audience, expired, malformed) gives no session: the reader is
 * anonymous, and the meter and the wall apply as to anyone.
 */
export async function verifySession(token: string | undefined, keys: SessionKeys, now: Date): Promise<Session | undefined> {
  if (!token || token.length > MAX_TOKEN_LENGTH) return undefined;
  const payload = await verifiedClaims(token, keys, now);
  if (!payload) return undefined;
  // Neither claim: a registered reader. One without the other, or either malformed: not a token of ours.
  const registered = payload.plan === undefined && payload.plan_ends === undefined;
  const reader: Reader = registered ? { kind: 'registered' } : readerFrom(payload.plan, payload.plan_ends, now);
  if (reader.kind === 'anonymous') return undefined;
  return {
    reader,
    subject: payload.sub!,
    issuedAt: payload.iat!,
    expiresAt: payload.exp!,
    ...(typeof payload.sid === 'string' ? { id: payload.sid } : {}),
  };
}

/**
 * The D1 session id of one of our tokens that verifies as of the moment it was issued, expired
 * or not. Renewal uses it to look the session up again; it never grants access by itself.
 */
export async function renewableSessionId(token: string | undefined, keys: SessionKeys): Promise<string | undefined> {
  if (!token || token.length > MAX_TOKEN_LENGTH) return undefined;
  try {
    const { iat } = decodeJwt(token);
    if (typeof iat !== 'number') return undefined;
    const { payload } = await jwtVerify<Partial<SessionClaims>>(token, keys.resolve, {
      algorithms: keys.algorithms,
      issuer: settings.session.issuer,
      audience: settings.session.audience,
      currentDate: new Date(iat * 1000),
    });
    return typeof payload.sid === 'string' ? payload.sid : undefined;
  } catch {
    return undefined;
  }
}

export type NewSession = {
  subject: string;
  /** How long the token itself is valid, in seconds. */
  lifetime: number;
  sessionId?: string;
} & (
  | { plan: string; planEnds: Date }
  /** A registered reader: an account, no subscription. */
  | { plan?: undefined; planEnds?: undefined }
);

/** Signs a session token with the configured signing key. */
export async function signSession(session: NewSession, keys: SessionKeys, now: Date): Promise<string> {
  if (!keys.signing) throw new Error('No key to sign sessions with: set SESSION_PRIVATE_JWKS or SESSION_SECRETS');
  const issuedAt = Math.floor(now.getTime() / 1000);
  const claims: SessionClaims = {
    ...(session.plan !== undefined ? { plan: session.plan, plan_ends: Math.floor(session.planEnds.getTime() / 1000) } : {}),
    ...(session.sessionId ? { sid: session.sessionId } : {}),
  };
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: keys.signing.alg, kid: keys.signing.kid, typ: 'JWT' })
    .setSubject(session.subject)
    .setIssuer(settings.session.issuer)
    .setAudience(settings.session.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + session.lifetime)
    .sign(keys.signing.key);
}
