/** Accounts, subscriptions and sessions in D1. Times are seconds since the epoch. */

export interface Account {
  id: string;
  email: string;
  password_hash: string;
}

export interface Subscription {
  plan: string;
  status: 'active' | 'cancelled';
  current_period_end: number;
}

export interface SessionRecord extends Subscription {
  account_id: string;
  email: string;
  expires_at: number;
}

export function findAccount(db: D1Database, email: string): Promise<Account | null> {
  return db.prepare('SELECT id, email, password_hash FROM accounts WHERE email = ?').bind(email).first<Account>();
}

export function subscriptionOf(db: D1Database, accountId: string): Promise<Subscription | null> {
  return db
    .prepare('SELECT plan, status, current_period_end FROM subscriptions WHERE account_id = ?')
    .bind(accountId)
    .first<Subscription>();
}

export function updatePasswordHash(db: D1Database, accountId: string, hash: string): Promise<D1Result> {
  return db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?').bind(hash, accountId).run();
}

export async function createSession(db: D1Database, accountId: string, now: number, lifetime: number): Promise<string> {
  const id = crypto.randomUUID();
  await db
    .prepare('INSERT INTO sessions (id, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
    .bind(id, accountId, now, now + lifetime)
    .run();
  return id;
}

/** A live session with its account and subscription, or null if it was deleted or has run out. */
export function findSession(db: D1Database, sessionId: string, now: number): Promise<SessionRecord | null> {
  return db
    .prepare(
      `SELECT s.account_id, a.email, s.expires_at, sub.plan, sub.status, sub.current_period_end
         FROM sessions s
         JOIN accounts a ON a.id = s.account_id
         JOIN subscriptions sub ON sub.account_id = s.account_id
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
