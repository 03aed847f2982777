import type { Context } from 'hono';
import { PAGES } from '../../src/paywall/contract.ts';
import { actionsFor } from '../accounts/account-page.ts';
import { findSession, type SessionRecord } from '../accounts/store.ts';
import { count } from '../analytics/index.ts';
import { attributionFrom } from '../analytics/events.ts';
import type { AppEnv } from '../env.ts';
import { safePage } from '../pages/index.ts';
import { sendDueCancellations } from './cancellations.ts';
import { paymentProvider } from './providers.ts';
import { syncSubscription } from './sync.ts';

type Action = 'billing' | 'cancel' | 'resume';

/** The logged-in reader's session record, if this action is open to them. */
async function subscriberFor(c: Context<AppEnv>, action: Action): Promise<SessionRecord | Response> {
  const sessionId = c.get('session')?.id;
  const now = Math.floor(Date.now() / 1000);
  const record = sessionId ? await findSession(c.env.DB, sessionId, now) : null;
  if (!record) return c.redirect(`${PAGES.login}?return=${encodeURIComponent(PAGES.account)}`, 303);
  if (!actionsFor(record, now)[action] || !record.provider_subscription_id) {
    return safePage(409, 'That does not apply to your subscription now', { detail: `<a href="${PAGES.account}">Back to your account</a>.` });
  }
  return record;
}

/** The provider's own page for cards and invoices (Stripe's customer portal). */
export async function openBilling(c: Context<AppEnv>): Promise<Response> {
  const record = await subscriberFor(c, 'billing');
  if (record instanceof Response) return record;
  const provider = paymentProvider(c.env);
  const customerId = await c.env.DB.prepare('SELECT customer_id FROM billing_customers WHERE provider = ? AND account_id = ? ORDER BY created_at DESC LIMIT 1')
    .bind(provider.name, record.account_id)
    .first<string>('customer_id');
  const url = customerId ? await provider.billingPage(customerId, `${new URL(c.req.url).origin}${PAGES.account}?billing=return`) : undefined;
  return c.redirect(url ?? PAGES.account, 303);
}

/**
 * Cancels at the end of the period, or takes that back. A provider that can take it back (Stripe)
 * is told at once; for one that cannot (Razorpay) the wish is kept here and passed on shortly
 * before the renewal (cancellations.ts), so it can be undone until then. A cancellation asked for
 * that close to the renewal is passed on at once.
 */
export async function changeCancellation(c: Context<AppEnv>, cancel: boolean): Promise<Response> {
  const record = await subscriberFor(c, cancel ? 'cancel' : 'resume');
  if (record instanceof Response) return record;
  const provider = paymentProvider(c.env);
  const subscription = record.provider_subscription_id!;
  if (provider.name === 'stripe') {
    await provider.setCancelAtPeriodEnd(subscription, cancel);
    count(c, ...(await syncSubscription(c.env, subscription, Math.floor(Date.now() / 1000))));
  } else {
    // Razorpay never reports the wish back, so it is counted here, when it turns on: RETURNING
    // gives a row only then, not for a second press.
    const turnedOn = await c.env.DB.prepare(
      `UPDATE subscriptions SET cancel_at_period_end = ?1
        WHERE account_id = ?2 AND provider_subscription_id = ?3 AND cancel_sent_at IS NULL AND cancel_at_period_end != ?1
       RETURNING plan, story, story_via`,
    )
      .bind(cancel ? 1 : 0, record.account_id, subscription)
      .first<{ plan: string; story: string | null; story_via: string | null }>();
    if (cancel && turnedOn) count(c, { event: 'subscription', change: 'cancelling', plan: turnedOn.plan, from: attributionFrom(turnedOn.story, turnedOn.story_via) });
    // The hourly job may not run again before a renewal this near, and Razorpay would charge.
    if (cancel) await sendDueCancellations(c.env, Math.floor(Date.now() / 1000), record.account_id);
  }
  return c.redirect(PAGES.account, 303);
}
