import { settings } from '../../src/paywall/settings.ts';
import { paymentProvider } from './providers.ts';

/**
 * Cancelling at the end of the period, for a provider that cannot take a cancellation back
 * (Razorpay). The subscriber's wish is kept in D1, where it can be undone, and passed on to the
 * provider only this long before the renewal, by the hourly scheduled job. Two days leave the job
 * dozens of tries before the card would be charged.
 */
export const CANCEL_NOTICE_SECONDS = 2 * 86_400;

interface Due {
  account_id: string;
  provider_subscription_id: string;
}

/**
 * Passes on every cancellation whose renewal is near, or only one account's (when its subscriber
 * has just cancelled). Returns how many were sent.
 */
export async function sendDueCancellations(env: Env, now: number, accountId?: string): Promise<number> {
  if (settings.payments.provider !== 'razorpay') return 0;
  const { results } = await env.DB.prepare(
    `SELECT account_id, provider_subscription_id FROM subscriptions
      WHERE provider = 'razorpay' AND cancel_at_period_end = 1 AND cancel_sent_at IS NULL
        AND status != 'ended' AND current_period_end - ?1 <= ?2 AND (?3 IS NULL OR account_id = ?3)`,
  )
    .bind(now, CANCEL_NOTICE_SECONDS, accountId ?? null)
    .all<Due>();
  const provider = paymentProvider(env);
  let sent = 0;
  for (const due of results) {
    try {
      await provider.setCancelAtPeriodEnd(due.provider_subscription_id, true);
      await env.DB.prepare('UPDATE subscriptions SET cancel_sent_at = ? WHERE account_id = ? AND provider_subscription_id = ?')
        .bind(now, due.account_id, due.provider_subscription_id)
        .run();
      sent += 1;
    } catch (error) {
      // Tried again next hour; the renewal is still far enough away.
      console.error(`payments: could not pass on the cancellation of ${due.provider_subscription_id}:`, error);
    }
  }
  return sent;
}
