import { WINDOW_SECONDS } from '../accounts/throttle.ts';
import { sendDueCancellations } from '../payments/cancellations.ts';

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

/** Runs every hour: the clean-up, and cancellations that are due to reach a payment provider. */
export async function scheduled(_controller: ScheduledController, env: Env): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const purged = await purgeExpired(env.DB, now);
  console.log(`paywall: purged ${purged.sessions} expired sessions and ${purged.loginFailures} stale login-failure counters`);
  const sent = await sendDueCancellations(env, now);
  if (sent) console.log(`payments: passed on ${sent} cancellations due at the end of their period`);
}
