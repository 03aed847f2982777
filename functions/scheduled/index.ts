import { settings } from '../../src/paywall/settings.ts';
import { WINDOW_SECONDS } from '../accounts/throttle.ts';
import { monthOf } from '../meter/index.ts';
import { keepAnalytics } from '../analytics/retention.ts';
import { sendDueCancellations } from '../payments/cancellations.ts';

/**
 * The hourly clean-up (a cron trigger in wrangler.toml): sessions whose login has run out or that
 * a proof of the account's email has ended (an older session epoch), and failed-login counters that no longer block or count. Neither is ever read once past these
 * points, so deleting them changes no answer; it only keeps the tables small.
 */
export async function purgeExpired(db: D1Database, now: number): Promise<{ sessions: number; loginFailures: number }> {
  const [sessions, failures] = await db.batch([
    db
      .prepare('DELETE FROM sessions WHERE expires_at <= ? OR epoch < (SELECT session_epoch FROM accounts WHERE accounts.id = sessions.account_id)')
      .bind(now),
    db.prepare('DELETE FROM login_failures WHERE blocked_until <= ?1 AND first_failure_at <= ?1 - ?2').bind(now, WINDOW_SECONDS),
  ]);
  return { sessions: sessions!.meta.changes, loginFailures: failures!.meta.changes };
}

/**
 * Readers' records that no longer count: log-in links past their time (used or not), and the
 * account meters of months before this one (in the site's time zone).
 */
export async function purgeReaderRecords(db: D1Database, now: number): Promise<{ loginLinks: number; meterReads: number }> {
  const [links, reads] = await db.batch([
    db.prepare('DELETE FROM login_links WHERE expires_at <= ?').bind(now),
    db.prepare('DELETE FROM meter_reads WHERE month < ?').bind(monthOf(new Date(now * 1000), settings.timeZone)),
  ]);
  return { loginLinks: links!.meta.changes, meterReads: reads!.meta.changes };
}

/** Runs every hour: the clean-up, cancellations that are due to reach a payment provider, and the newsroom's upkeep. */
export async function scheduled(_controller: ScheduledController, env: Env): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const purged = await purgeExpired(env.DB, now);
  console.log(`paywall: purged ${purged.sessions} expired sessions and ${purged.loginFailures} stale login-failure counters`);
  const readers = await purgeReaderRecords(env.DB, now);
  console.log(`paywall: purged ${readers.loginLinks} old log-in links and ${readers.meterReads} meter entries of past months`);
  const sent = await sendDueCancellations(env, now);
  if (sent) console.log(`payments: passed on ${sent} cancellations due at the end of their period`);
  const { closedDays } = await keepAnalytics(env.DB, new Date(now * 1000));
  if (closedDays) console.log(`analytics: kept the unique readers of ${closedDays} past day(s) as numbers and deleted their registers`);
}
