import type { Entitlement } from '../../src/paywall/entitlement.ts';
import { hashToken, newToken } from '../tokens/index.ts';

/** Private feed addresses in D1 (feed_tokens): one per account, kept as the hash of its token. */

/** A new address for the account's feed, replacing (and so ending) any earlier one. The token to show once. */
export async function replaceFeedToken(db: D1Database, accountId: string, now: number): Promise<string> {
  const { token, hash } = await newToken();
  await db
    .prepare('INSERT INTO feed_tokens (account_id, token_hash, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (account_id) DO UPDATE SET token_hash = ?2, created_at = ?3')
    .bind(accountId, hash, now)
    .run();
  return token;
}

/** When the account made its current feed address, if it has one. */
export function feedMadeAt(db: D1Database, accountId: string): Promise<number | null> {
  return db.prepare('SELECT created_at FROM feed_tokens WHERE account_id = ?').bind(accountId).first<number>('created_at');
}

/** The subscription of the account whose feed this token opens, or null for no such feed (or no subscription). */
export async function feedOwner(db: D1Database, token: string): Promise<Entitlement | null> {
  return db
    .prepare(
      `SELECT s.status, s.current_period_end, s.past_due_since
         FROM feed_tokens f JOIN subscriptions s ON s.account_id = f.account_id
        WHERE f.token_hash = ?`,
    )
    .bind(await hashToken(token))
    .first<Entitlement>();
}
