import { settings } from './settings.ts';

/**
 * What a subscription entitles its reader to, decided from its state as well as its dates:
 * - active: everything, to the end of the paid period (also when it is set to end there);
 * - past due: a renewal failed and the provider is retrying the card; the reader keeps reading
 *   for the grace period (`payments.graceDays` in content/site.json) from when it fell due;
 * - ended: nothing, whatever its period end says. Providers end subscriptions before their paid
 *   period is over (Stripe `unpaid` or a cancellation from the dashboard, Razorpay `halted`), and
 *   the row then keeps a period end in the future.
 * Session tokens carry `until` as `plan_ends`, so the edge decides from the token alone; the
 * account page, gifts, feeds and checkouts ask this function too, so all of them agree.
 */
export type SubscriptionStatus = 'active' | 'past_due' | 'ended';

export interface Entitlement {
  status: SubscriptionStatus;
  current_period_end: number;
  past_due_since: number | null;
}

export interface Entitled {
  /** Whether the reader reads everything now. */
  reads: boolean;
  /** Until when they do; when they do not, when that stopped (never later than now). */
  until: number;
}

const DAY = 86_400;

export function entitlement(subscription: Entitlement, now: number, graceDays: number = settings.payments.graceDays): Entitled {
  const until =
    subscription.status === 'ended'
      ? Math.min(subscription.current_period_end, now)
      : subscription.status === 'past_due'
        ? (subscription.past_due_since ?? subscription.current_period_end) + graceDays * DAY
        : subscription.current_period_end;
  return { reads: until > now, until };
}
