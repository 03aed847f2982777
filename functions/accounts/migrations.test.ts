import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

// Upgrading a live database: readers who subscribed before payments existed keep their account,
// their password, their sessions and their subscription.
describe('the payments migration', () => {
  it('keeps every account, session and subscription, and their links', async () => {
    const db = env.MIGRATION_TEST_DB;
    const [accounts, ...later] = env.TEST_MIGRATIONS;
    await applyD1Migrations(db, [accounts!]);
    await db.batch([
      db.prepare("INSERT INTO accounts (id, email, password_hash, created_at) VALUES ('a1', 'old@example.com', 'pbkdf2-sha256$6x100000$salt$hash', 1)"),
      db.prepare("INSERT INTO accounts (id, email, password_hash, created_at) VALUES ('a2', 'gone@example.com', 'pbkdf2-sha256$6x100000$salt$hash', 1)"),
      db.prepare("INSERT INTO subscriptions (account_id, plan, status, current_period_end) VALUES ('a1', 'p', 'active', 2000000000)"),
      db.prepare("INSERT INTO subscriptions (account_id, plan, status, current_period_end) VALUES ('a2', 'p', 'cancelled', 1500000000)"),
      db.prepare("INSERT INTO sessions (id, account_id, created_at, expires_at) VALUES ('s1', 'a1', 1, 2000000000)"),
    ]);

    // As production D1 does, with foreign keys enforced while the tables are rebuilt.
    await db.prepare('PRAGMA foreign_keys = ON').run();
    await applyD1Migrations(db, later);

    expect((await db.prepare('SELECT id, email, password_hash FROM accounts ORDER BY id').all()).results).toEqual([
      { id: 'a1', email: 'old@example.com', password_hash: 'pbkdf2-sha256$6x100000$salt$hash' },
      { id: 'a2', email: 'gone@example.com', password_hash: 'pbkdf2-sha256$6x100000$salt$hash' },
    ]);
    expect((await db.prepare('SELECT account_id, status, current_period_end, provider FROM subscriptions ORDER BY account_id').all()).results).toEqual([
      { account_id: 'a1', status: 'active', current_period_end: 2000000000, provider: null },
      { account_id: 'a2', status: 'ended', current_period_end: 1500000000, provider: null },
    ]);
    expect(await db.prepare("SELECT account_id FROM sessions WHERE id = 's1'").first('account_id')).toBe('a1');
    // The links still hold: removing an account removes its session and subscription with it.
    await db.prepare("DELETE FROM accounts WHERE id = 'a1'").run();
    expect(await db.prepare("SELECT COUNT(*) AS n FROM sessions WHERE account_id = 'a1'").first('n')).toBe(0);
    expect(await db.prepare("SELECT COUNT(*) AS n FROM subscriptions WHERE account_id = 'a1'").first('n')).toBe(0);
    // Accounts may now be made without a password, by a purchase.
    await db.prepare("INSERT INTO accounts (id, email, password_hash, created_at) VALUES ('a3', 'bought@example.com', NULL, 1)").run();
  });
});
