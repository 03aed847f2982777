import { createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../index.ts';
import { WINDOW_SECONDS } from '../accounts/throttle.ts';
import { settings } from '../../src/paywall/settings.ts';
import { monthOf } from '../meter/index.ts';

const now = () => Math.floor(Date.now() / 1000);

describe('the hourly clean-up', () => {
  it('deletes ended and superseded sessions and stale failed-login counters, and keeps everything still in use', async () => {
    const account = crypto.randomUUID();
    const t = now();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO accounts (id, email, password_hash, created_at, session_epoch) VALUES (?, 'purge@example.com', 'x', ?, 1)").bind(account, t),
      env.DB.prepare('INSERT INTO sessions (id, account_id, created_at, expires_at, epoch) VALUES (?, ?, ?, ?, 1)').bind('ended', account, t - 100, t - 1),
      env.DB.prepare('INSERT INTO sessions (id, account_id, created_at, expires_at, epoch) VALUES (?, ?, ?, ?, 1)').bind('live', account, t - 100, t + 3600),
      // Begun before the account's email was proven by someone else: over, though not expired.
      env.DB.prepare('INSERT INTO sessions (id, account_id, created_at, expires_at, epoch) VALUES (?, ?, ?, ?, 0)').bind('superseded', account, t - 100, t + 3600),
      // Old failures that no longer count, nor block.
      env.DB.prepare('INSERT INTO login_failures (key, failures, first_failure_at, blocked_until) VALUES (?, 3, ?, 0)').bind('client:stale', t - WINDOW_SECONDS - 1),
      // Recent failures that still count.
      env.DB.prepare('INSERT INTO login_failures (key, failures, first_failure_at, blocked_until) VALUES (?, 3, ?, 0)').bind('client:counting', t - 60),
      // Old failures whose block is still running.
      env.DB.prepare('INSERT INTO login_failures (key, failures, first_failure_at, blocked_until) VALUES (?, 9, ?, ?)').bind('client:blocked', t - WINDOW_SECONDS - 1, t + 60),
    ]);

    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '17 * * * *' }), env);

    const sessions = await env.DB.prepare('SELECT id FROM sessions ORDER BY id').all<{ id: string }>();
    expect(sessions.results.map((row) => row.id)).toEqual(['live']);
    const counters = await env.DB.prepare('SELECT key FROM login_failures ORDER BY key').all<{ key: string }>();
    expect(counters.results.map((row) => row.key)).toEqual(['client:blocked', 'client:counting']);
  });

  it('deletes log-in links past their time and account meters of past months, and keeps the live ones', async () => {
    const account = crypto.randomUUID();
    const t = now();
    const thisMonth = monthOf(new Date(), settings.timeZone);
    const lastMonth = monthOf(new Date(Date.now() - 40 * 86_400_000), settings.timeZone);
    const link = (hash: string, expiresAt: number) =>
      env.DB.prepare("INSERT INTO login_links (token_hash, email, return_to, created_at, expires_at) VALUES (?, 'links@example.com', '/', ?, ?)").bind(hash, t - 60, expiresAt);
    const read = (month: string) => env.DB.prepare("INSERT INTO meter_reads (account_id, month, story_key, read_at) VALUES (?, ?, 'k', ?)").bind(account, month, t);
    await env.DB.batch([
      env.DB.prepare("INSERT INTO accounts (id, email, password_hash, created_at) VALUES (?, 'meter-purge@example.com', NULL, ?)").bind(account, t),
      link('expired', t - 1),
      link('live', t + 600),
      read(lastMonth),
      read(thisMonth),
    ]);

    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '17 * * * *' }), env);

    const links = await env.DB.prepare('SELECT token_hash FROM login_links ORDER BY token_hash').all<{ token_hash: string }>();
    expect(links.results.map((row) => row.token_hash)).toEqual(['live']);
    const reads = await env.DB.prepare('SELECT month FROM meter_reads WHERE account_id = ?').bind(account).all<{ month: string }>();
    expect(reads.results.map((row) => row.month)).toEqual([thisMonth]);
  });
});
