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

// Proof of email (0004): accounts from before keep working, except that one a checkout made,
// whose email no used link has proven, becomes unconfirmed.
describe('the email-proof migration', () => {
  it('confirms every account a person proved, and leaves an unproven purchase unconfirmed', async () => {
    const db = env.MIGRATION_TEST_DB;
    const proof = env.TEST_MIGRATIONS.findIndex((migration) => migration.name.startsWith('0004'));
    expect(proof, 'migrations/0004_email_proof.sql').toBeGreaterThan(0);
    await db.exec('DROP TABLE IF EXISTS d1_migrations');
    for (const table of ['analytics_counts', 'analytics_uniques', 'analytics_messages', 'analytics_salts', 'feed_tokens', 'gifts', 'meter_reads', 'login_links', 'payment_events', 'checkouts', 'billing_customers', 'sessions', 'subscriptions', 'login_failures', 'accounts']) {
      await db.exec(`DROP TABLE IF EXISTS ${table}`);
    }
    await applyD1Migrations(db, env.TEST_MIGRATIONS.slice(0, proof));
    await db.batch([
      db.prepare("INSERT INTO accounts (id, email, password_hash, created_at) VALUES ('by-hand', 'hand@example.com', 'x', 10)"),
      db.prepare("INSERT INTO accounts (id, email, password_hash, created_at) VALUES ('by-link', 'link@example.com', NULL, 20)"),
      db.prepare("INSERT INTO accounts (id, email, password_hash, created_at) VALUES ('bought', 'bought@example.com', 'y', 30)"),
      db.prepare("INSERT INTO accounts (id, email, password_hash, created_at) VALUES ('bought-proven', 'proven@example.com', NULL, 40)"),
      db.prepare("INSERT INTO checkouts (provider, id, plan, created_at, account_id, created_account) VALUES ('stripe', 'cs_1', 'p', 30, 'bought', 1)"),
      db.prepare("INSERT INTO checkouts (provider, id, plan, created_at, account_id, created_account) VALUES ('stripe', 'cs_2', 'p', 40, 'bought-proven', 1)"),
      db.prepare("INSERT INTO login_links (token_hash, email, return_to, created_at, expires_at, used_at) VALUES ('h1', 'link@example.com', '/', 20, 99, 20)"),
      db.prepare("INSERT INTO login_links (token_hash, email, return_to, created_at, expires_at, used_at) VALUES ('h2', 'PROVEN@example.com', '/', 50, 99, 50)"),
      db.prepare("INSERT INTO login_links (token_hash, email, return_to, created_at, expires_at) VALUES ('h3', 'bought@example.com', '/', 50, 99)"),
      db.prepare("INSERT INTO sessions (id, account_id, created_at, expires_at) VALUES ('s1', 'bought', 30, 2000000000)"),
    ]);

    await applyD1Migrations(db, env.TEST_MIGRATIONS.slice(proof));

    const accounts = await db.prepare('SELECT id, email_confirmed_at, session_epoch, password_hash FROM accounts ORDER BY created_at').all();
    expect(accounts.results).toEqual([
      { id: 'by-hand', email_confirmed_at: 10, session_epoch: 0, password_hash: 'x' },
      { id: 'by-link', email_confirmed_at: 20, session_epoch: 0, password_hash: null },
      { id: 'bought', email_confirmed_at: null, session_epoch: 0, password_hash: 'y' },
      { id: 'bought-proven', email_confirmed_at: 40, session_epoch: 0, password_hash: null },
    ]);
    // Sessions from before begin in the epoch their accounts are in: none ends by the migration.
    expect(await db.prepare("SELECT epoch FROM sessions WHERE id = 's1'").first('epoch')).toBe(0);
  });
});
