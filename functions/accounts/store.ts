import type { Entitlement } from '../../src/paywall/entitlement.ts';
import type { PaymentProviderName } from '../../src/paywall/settings.ts';

/** Accounts, subscriptions and sessions in D1. Times are seconds since the epoch. */
export interface Account {
  id: string;
  email: string;
  /** NULL until the reader sets a password (accounts made by a purchase start without one). */
  password_hash: string | null;
}

export interface Subscription extends Entitlement {
  plan: string;
  cancel_at_period_end: 0 | 1;
  cancel_sent_at: number | null;
  provider: PaymentProviderName | null;
  provider_subscription_id: string | null;
  last_payment_at: number | null;
  last_payment_amount: number | null;
  last_payment_currency: string | null;
  /** The next charge, from the provider's upcoming invoice (seconds, minor units). */
  next_charge_at: number | null;
  next_charge_amount: number | null;
  next_charge_currency: string | null;
  notice: string | null;
}

/** The subscription columns of an account that has never had one: all NULL. */
export type NoSubscription = { [Column in keyof Subscription]: null };

/** A live session, its account, and the account's subscription if it has one. */
export type SessionRecord = {
  account_id: string;
  email: string;
  has_password: 0 | 1;
  /** 0 while the email is unproven (an account made by a checkout, until a log-in link is used). */
  email_confirmed: 0 | 1;
  expires_at: number;
} & (Subscription | NoSubscription);

export type SubscribedSession = SessionRecord & Subscription;

/** Whether the account has (or had) a subscription; a registered reader's has none. */
export function hasSubscription(record: SessionRecord): record is SubscribedSession {
  return record.plan !== null;
}

const SUBSCRIPTION_COLUMNS = `sub.plan, sub.status, sub.current_period_end, sub.past_due_since, sub.cancel_at_period_end,
  sub.cancel_sent_at, sub.provider, sub.provider_subscription_id, sub.last_payment_at, sub.last_payment_amount,
  sub.last_payment_currency, sub.next_charge_at, sub.next_charge_amount, sub.next_charge_currency, sub.notice`;

export function findAccount(db: D1Database, email: string): Promise<Account | null> {
  return db.prepare('SELECT id, email, password_hash FROM accounts WHERE email = ?').bind(email).first<Account>();
}

export function subscriptionOf(db: D1Database, accountId: string): Promise<Subscription | null> {
  return db.prepare(`SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions sub WHERE sub.account_id = ?`).bind(accountId).first<Subscription>();
}

/**
 * The account whose email a used log-in link has just proven, made now (with no password) if
 * there is none: how readers register. The first proof of an email that a checkout brought in
 * unproven takes the account from whoever held it before: it clears any password and moves the
 * account to a new session epoch, which ends every earlier session (see `findSession`).
 * `created` says this call made the account: the reader registered just now.
 */
export async function accountForProvenEmail(db: D1Database, email: string, now: number): Promise<{ account: Account; created: boolean }> {
  const [made, , found] = await db.batch<Account>([
    db
      .prepare('INSERT INTO accounts (id, email, password_hash, created_at, email_confirmed_at) VALUES (?1, ?2, NULL, ?3, ?3) ON CONFLICT (email) DO NOTHING')
      .bind(crypto.randomUUID(), email, now),
    db
      .prepare('UPDATE accounts SET email_confirmed_at = ?2, password_hash = NULL, session_epoch = session_epoch + 1 WHERE email = ?1 AND email_confirmed_at IS NULL')
      .bind(email, now),
    db.prepare('SELECT id, email, password_hash FROM accounts WHERE email = ?').bind(email),
  ]);
  // Told by the INSERT itself, so of two links used at once for a new email only one made it.
  return { account: found!.results[0]!, created: made!.meta.changes === 1 };
}

export function updatePasswordHash(db: D1Database, accountId: string, hash: string): Promise<D1Result> {
  return db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?').bind(hash, accountId).run();
}

export async function createSession(db: D1Database, accountId: string, now: number, lifetime: number): Promise<string> {
  const id = crypto.randomUUID();
  await db
    .prepare('INSERT INTO sessions (id, account_id, created_at, expires_at, epoch) SELECT ?1, ?2, ?3, ?4, session_epoch FROM accounts WHERE id = ?2')
    .bind(id, accountId, now, now + lifetime)
    .run();
  return id;
}

/**
 * A live session with its account and any subscription, or null if it was deleted, has run out,
 * or began before the account's current session epoch (an earlier holder of an email since proven).
 */
export function findSession(db: D1Database, sessionId: string, now: number): Promise<SessionRecord | null> {
  return db
    .prepare(
      `SELECT s.account_id, a.email, a.password_hash IS NOT NULL AS has_password, a.email_confirmed_at IS NOT NULL AS email_confirmed,
              s.expires_at, ${SUBSCRIPTION_COLUMNS}
         FROM sessions s
         JOIN accounts a ON a.id = s.account_id AND a.session_epoch = s.epoch
         LEFT JOIN subscriptions sub ON sub.account_id = s.account_id
        WHERE s.id = ? AND s.expires_at > ?`,
    )
    .bind(sessionId, now)
    .first<SessionRecord>();
}

export function deleteSession(db: D1Database, sessionId: string): Promise<D1Result> {
  return db.prepare('DELETE FROM sessions WHERE id = ?').bind(sessionId).run();
}

/** Logs an account out everywhere: deletes every session of the account that owns this one. */
export function deleteAccountSessions(db: D1Database, sessionId: string): Promise<D1Result> {
  return db
    .prepare('DELETE FROM sessions WHERE account_id = (SELECT account_id FROM sessions WHERE id = ?)')
    .bind(sessionId)
    .run();
}

/**
 * Whether a session is live (as `findSession` decides) and belongs to staff with a proven email:
 * who may see the newsroom. Asked apart from `findSession`, so that no reader's request reads the role.
 */
export async function isStaffSession(db: D1Database, sessionId: string, now: number): Promise<boolean> {
  const row = await db
    .prepare(
      `SELECT 1 AS staff FROM sessions s
         JOIN accounts a ON a.id = s.account_id AND a.session_epoch = s.epoch
        WHERE s.id = ? AND s.expires_at > ? AND a.staff = 1 AND a.email_confirmed_at IS NOT NULL`,
    )
    .bind(sessionId, now)
    .first<{ staff: number }>();
  return row !== null;
}
