import type { Context } from 'hono';
import { allowanceOf } from '../../src/paywall/access.ts';
import { meterCapacity } from '../../src/paywall/experiments.ts';
import { settings } from '../../src/paywall/settings.ts';
import type { AppEnv } from '../env.ts';
import { accountAllowances } from '../experiments/index.ts';
import { meterSecrets, monthOf, readMeter, secondsUntilNextMonth, signMeter } from './index.ts';

/**
 * The meter of a reader with an account follows the account: the stories it has read this month
 * are kept in D1 (meter_reads) as well as in the browser's signed meter cookie.
 *
 * Reading a story never waits on D1: the cookie decides, as for anyone, and a newly counted story
 * is written to D1 after the response (`recordRead`). The two are merged when the reader logs in
 * and whenever the session token is renewed (`mergeAccountMeter`), so a second browser catches up
 * within one token lifetime, and re-reads stay free on every device.
 */

export interface MeterCookie {
  value: string;
  maxAge: number;
}

/**
 * The account's stories this month joined with the cookie's, at most the registered allowance
 * (the account's own record first), as a signed meter cookie; stories only the cookie knew (read
 * before logging in, or on a device D1 had not heard from) are added to the account.
 */
export async function mergeAccountMeter(env: Env, accountId: string, cookie: string | undefined, now: Date): Promise<MeterCookie> {
  const month = monthOf(now, settings.timeZone);
  const secrets = meterSecrets(env.METER_SECRET);
  // The account's experiment arm (if any) decides its allowance, as it does on every story.
  const allowances = await accountAllowances(env, accountId, now);
  const fromCookie = await readMeter(cookie, secrets, month, meterCapacity());
  const stored = await env.DB.prepare('SELECT story_key FROM meter_reads WHERE account_id = ? AND month = ? ORDER BY read_at, story_key')
    .bind(accountId, month)
    .all<{ story_key: string }>();
  const known = stored.results.map((row) => row.story_key);
  // A cookie that does not verify adds nothing: the account's record stands.
  const extra = fromCookie.kind === 'counted' ? fromCookie.read.filter((key) => !known.includes(key)) : [];
  const merged = [...new Set([...known, ...extra])].slice(0, allowanceOf({ kind: 'registered' }, allowances));
  const added = extra.filter((key) => merged.includes(key));
  if (added.length) {
    const seconds = Math.floor(now.getTime() / 1000);
    await env.DB.batch(added.map((key) => insertRead(env.DB, accountId, month, key, seconds)));
  }
  return { value: await signMeter(merged, month, secrets[0]!), maxAge: secondsUntilNextMonth(now, settings.timeZone) };
}

function insertRead(db: D1Database, accountId: string, month: string, key: string, seconds: number): D1PreparedStatement {
  return db.prepare('INSERT OR IGNORE INTO meter_reads (account_id, month, story_key, read_at) VALUES (?, ?, ?, ?)').bind(accountId, month, key, seconds);
}

/**
 * Adds a story the reader has just been counted for to their account's meter, after the response
 * (`waitUntil`): the reader never waits for D1, and a failure only costs this device's count
 * reaching the others, which the next merge from this browser's cookie repairs.
 */
export function recordRead(c: Context<AppEnv>, accountId: string, key: string, now: Date): void {
  const seconds = Math.floor(now.getTime() / 1000);
  const write = Promise.resolve()
    .then(() => insertRead(c.env.DB, accountId, monthOf(now, settings.timeZone), key, seconds).run())
    .catch((error: unknown) => console.error('paywall: recording a read on the account failed:', error));
  try {
    c.executionCtx.waitUntil(write);
  } catch {
    // Called without an execution context (Hono's app.request in tests): the write runs on its own.
  }
}
