import type { Context } from 'hono';
import { COOKIES } from '../../src/paywall/contract.ts';
import { entitlement, type Entitlement } from '../../src/paywall/entitlement.ts';
import { createSession } from '../accounts/store.ts';
import type { AppEnv } from '../env.ts';
import { mergeAccountMeter, type MeterCookie } from '../meter/account.ts';
import { meterCookieIn } from '../meter/index.ts';
import { setCookie, startSession } from '../response/index.ts';
import { signSession } from './index.ts';
import { sessionKeys } from './keys.ts';
import { sessionLifetime, tokenLifetime } from './lifetime.ts';

/** An account to log in: with its subscription, or none (a registered reader). */
export type SessionSubject = { account_id: string } & ((Entitlement & { plan: string }) | { plan: null });

/** Whether the account's subscription lets it read everything at this moment. */
export function isSubscribed(subject: SessionSubject, now: number): boolean {
  return subject.plan !== null && entitlement(subject, now).reads;
}

/**
 * A token for a D1 session: the account's plan and until when it may read (the grace period of a
 * past-due subscription included; a moment already past for one that ended, which makes the
 * reader a lapsed subscriber), or no plan for an account without a subscription; never valid
 * longer than the login itself has left.
 */
export async function tokenFor(env: Env, subject: SessionSubject, sessionId: string, loginEnds: number, now: Date): Promise<{ token: string; maxAge: number }> {
  const seconds = Math.floor(now.getTime() / 1000);
  const token = await signSession(
    {
      subject: subject.account_id,
      ...(subject.plan !== null ? { plan: subject.plan, planEnds: new Date(entitlement(subject, seconds).until * 1000) } : {}),
      lifetime: Math.min(tokenLifetime(env), loginEnds - seconds),
      sessionId,
    },
    await sessionKeys(env),
    now,
  );
  return { token, maxAge: loginEnds - seconds };
}

/**
 * The meter cookie a reader who reads on their allowance gets with a new token: the account's
 * stories merged with this browser's. A subscriber's meter does not matter, and is left alone.
 */
export async function meterWithToken(env: Env, subject: SessionSubject, cookie: string | undefined, now: Date): Promise<MeterCookie | undefined> {
  if (isSubscribed(subject, Math.floor(now.getTime() / 1000))) return undefined;
  return mergeAccountMeter(env, subject.account_id, cookie, now);
}

/** Hands the reader a token for this session, and their merged meter, through the response layer. */
async function handOut(c: Context<AppEnv>, subject: SessionSubject, sessionId: string, loginEnds: number, now: Date): Promise<void> {
  const { token, maxAge } = await tokenFor(c.env, subject, sessionId, loginEnds, now);
  const meter = await meterWithToken(c.env, subject, meterCookieIn(c.req.header('Cookie')), now);
  startSession(c, token, maxAge);
  if (meter) setCookie(c, COOKIES.meter, meter.value, meter.maxAge);
}

/** Logs this browser in to the account: a new D1 session and its token, set by the response layer. */
export async function logInAs(c: Context<AppEnv>, subject: SessionSubject, now = new Date()): Promise<void> {
  const seconds = Math.floor(now.getTime() / 1000);
  const lifetime = sessionLifetime(c.env);
  const sessionId = await createSession(c.env.DB, subject.account_id, seconds, lifetime);
  await handOut(c, subject, sessionId, seconds + lifetime, now);
}

/** A fresh token for the reader's current session, carrying the subscription as D1 has it now. */
export async function refreshSession(c: Context<AppEnv>, record: SessionSubject & { expires_at: number }, sessionId: string, now = new Date()): Promise<void> {
  await handOut(c, record, sessionId, record.expires_at, now);
}
