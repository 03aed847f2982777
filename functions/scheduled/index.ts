import { WINDOW_SECONDS } from '../accounts/throttle.ts';

/**
 * The hourly clean-up (a cron trigger in wrangler.toml): sessions whose login has run out, and
 * failed-login counters that no longer block or count. Neither is ever read once past these
 * points, so deleting them changes no answer; it only keeps the tables small.
 */
export async function purgeExpired(db: D1Database, now: number): Promise<{ sessions: number; loginFailures: number }> {
  const [sessions, failures] = await db.batch([
    db.prepare('DELETE FROM sessions WHERE expires_at <= ?').bind(now),
    db.prepare('DELETE FROM login_failures WHERE blocked_until <= ?1 AND first_failure_at <= ?1 - ?2').bind(now, WINDOW_SECONDS),
  ]);
  return { sessions: sessions!.meta.changes, loginFailures: failures!.meta.changes };
}

export async function scheduled(_controller: ScheduledController, env: Env): Promise<void> {
  const purged = await purgeExpired(env.DB, Math.floor(Date.now() / 1000));
  console.log(`paywall: purged ${purged.sessions} expired sessions and ${purged.loginFailures} stale login-failure counters`);
}
