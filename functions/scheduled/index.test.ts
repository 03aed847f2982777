import { createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../index.ts';
import { BLOCK_SECONDS, WINDOW_SECONDS } from '../accounts/throttle.ts';

const now = () => Math.floor(Date.now() / 1000);

describe('the hourly clean-up', () => {
  it('deletes ended sessions and stale failed-login counters, and keeps everything still in use', async () => {
    const account = crypto.randomUUID();
    const t = now();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO accounts (id, email, password_hash, created_at) VALUES (?, 'purge@example.com', 'x', ?)").bind(account, t),
      env.DB.prepare('INSERT INTO sessions (id, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)').bind('ended', account, t - 100, t - 1),
      env.DB.prepare('INSERT INTO sessions (id, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)').bind('live', account, t - 100, t + 3600),
      // Old failures that no longer count, nor block.
      env.DB.prepare('INSERT INTO login_failures (key, failures, first_failure_at, blocked_until) VALUES (?, 3, ?, 0)').bind('client:stale', t - WINDOW_SECONDS - 1),
      // Recent failures that still count.
      env.DB.prepare('INSERT INTO login_failures (key, failures, first_failure_at, blocked_until) VALUES (?, 3, ?, 0)').bind('client:counting', t - 60),
      // Old failures whose block is still running.
      env.DB.prepare('INSERT INTO login_failures (key, failures, first_failure_at, blocked_until) VALUES (?, 9, ?, ?)').bind('account:blocked', t - WINDOW_SECONDS - 1, t + BLOCK_SECONDS),
    ]);

    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '17 * * * *' }), env);

    const sessions = await env.DB.prepare('SELECT id FROM sessions ORDER BY id').all<{ id: string }>();
    expect(sessions.results.map((row) => row.id)).toEqual(['live']);
    const counters = await env.DB.prepare('SELECT key FROM login_failures ORDER BY key').all<{ key: string }>();
    expect(counters.results.map((row) => row.key)).toEqual(['account:blocked', 'client:counting']);
  });
});
