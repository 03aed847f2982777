import { entitlement, type Entitlement } from '../../src/paywall/entitlement.ts';

/** Gifts in D1 (the gifts table): who gave which story, its opens, its end and its withdrawal. */
export interface Gift {
  id: string;
  account_id: string;
  story_path: string;
  story_title: string;
  from_name: string;
  created_at: number;
  expires_at: number;
  max_opens: number;
  opens: number;
  revoked_at: number | null;
}

export interface NewGift {
  accountId: string;
  storyPath: string;
  storyTitle: string;
  fromName: string;
  /** The calendar month it is made in, in the site's time zone. */
  month: string;
  now: number;
  seconds: number;
  maxOpens: number;
  /** Gifts an account may make in a month. */
  perMonth: number;
}

/**
 * Records a gift unless the account has made its monthly number already, in one statement so that
 * gifts made at the same moment cannot pass the count together. The new gift, or undefined.
 */
export async function createGift(db: D1Database, gift: NewGift): Promise<Gift | undefined> {
  const row = await db
    .prepare(
      `INSERT INTO gifts (id, account_id, story_path, story_title, from_name, month, created_at, expires_at, max_opens)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
        WHERE (SELECT COUNT(*) FROM gifts WHERE account_id = ?2 AND month = ?6) < ?10
       RETURNING id, account_id, story_path, story_title, from_name, created_at, expires_at, max_opens, opens, revoked_at`,
    )
    .bind(crypto.randomUUID(), gift.accountId, gift.storyPath, gift.storyTitle, gift.fromName, gift.month, gift.now, gift.now + gift.seconds, gift.maxOpens, gift.perMonth)
    .first<Gift>();
  return row ?? undefined;
}

/**
 * Counts one open of a gift for its story, if it still opens: not withdrawn, not expired, opens
 * left, and the giver's subscription still live. The count is one statement, so the last open
 * cannot be taken twice. The name the recipient sees, or undefined.
 */
export async function openGift(db: D1Database, id: string, storyPath: string, now: number): Promise<string | undefined> {
  const giver = await db
    .prepare('SELECT s.status, s.current_period_end, s.past_due_since FROM gifts g JOIN subscriptions s ON s.account_id = g.account_id WHERE g.id = ?')
    .bind(id)
    .first<Entitlement>();
  if (!giver || !entitlement(giver, now).reads) return undefined;
  const opened = await db
    .prepare(
      `UPDATE gifts SET opens = opens + 1
        WHERE id = ?1 AND story_path = ?2 AND revoked_at IS NULL AND expires_at > ?3 AND opens < max_opens
       RETURNING from_name`,
    )
    .bind(id, storyPath, now)
    .first<string>('from_name');
  return opened ?? undefined;
}

/** The account's gifts, newest first. */
export async function giftsOf(db: D1Database, accountId: string, limit = 50): Promise<Gift[]> {
  const { results } = await db
    .prepare(
      `SELECT id, account_id, story_path, story_title, from_name, created_at, expires_at, max_opens, opens, revoked_at
         FROM gifts WHERE account_id = ? ORDER BY created_at DESC, id LIMIT ?`,
    )
    .bind(accountId, limit)
    .all<Gift>();
  return results;
}

/** Withdraws one of the account's gifts; its link opens nothing from now on. */
export function revokeGift(db: D1Database, accountId: string, id: string, now: number): Promise<D1Result> {
  return db.prepare('UPDATE gifts SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL').bind(now, id, accountId).run();
}
