import type { Context } from 'hono';
import { accessEnds, type Entitlement } from '../../src/paywall/entitlement.ts';
import { createSession } from '../accounts/store.ts';
import type { AppEnv } from '../env.ts';
import { startSession } from '../response/index.ts';
import { signSession } from './index.ts';
import { sessionKeys } from './keys.ts';
import { sessionLifetime, tokenLifetime } from './lifetime.ts';

export interface SessionSubject extends Entitlement {
  account_id: string;
  plan: string;
}

/**
 * A token for a D1 session: the account's plan and until when it may read (the grace period of a
 * past-due subscription included), never valid longer than the login itself has left.
 */
export async function tokenFor(env: Env, subject: SessionSubject, sessionId: string, loginEnds: number, now: Date): Promise<{ token: string; maxAge: number }> {
  const seconds = Math.floor(now.getTime() / 1000);
  const token = await signSession(
    {
      subject: subject.account_id,
      plan: subject.plan,
      planEnds: new Date(accessEnds(subject) * 1000),
      lifetime: Math.min(tokenLifetime(env), loginEnds - seconds),
      sessionId,
    },
    await sessionKeys(env),
    now,
  );
  return { token, maxAge: loginEnds - seconds };
}

/** Logs this browser in to the account: a new D1 session and its token, set by the response layer. */
export async function logInAs(c: Context<AppEnv>, subject: SessionSubject, now = new Date()): Promise<void> {
  const seconds = Math.floor(now.getTime() / 1000);
  const lifetime = sessionLifetime(c.env);
  const sessionId = await createSession(c.env.DB, subject.account_id, seconds, lifetime);
  const { token, maxAge } = await tokenFor(c.env, subject, sessionId, seconds + lifetime, now);
  startSession(c, token, maxAge);
}

/** A fresh token for the reader's current session, carrying the subscription as D1 has it now. */
export async function refreshSession(c: Context<AppEnv>, record: SessionSubject & { expires_at: number }, sessionId: string, now = new Date()): Promise<void> {
  const { token, maxAge } = await tokenFor(c.env, record, sessionId, record.expires_at, now);
  startSession(c, token, maxAge);
}
