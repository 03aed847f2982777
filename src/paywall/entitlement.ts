import { settings } from './settings.ts';

/**
 * Until when a subscription lets its reader read. Session tokens carry this moment as
 * `plan_ends`; the edge decides from the token alone.
 * - active: to the end of the paid period (also when it is set to end there);
 * - past due: a renewal failed and the provider is retrying the card; the reader keeps reading
 *   for the grace period (`payments.graceDays` in content/site.json) from when it fell due;
 * - ended: until it ended, i.e. no longer.
 */
export type SubscriptionStatus = 'active' | 'past_due' | 'ended';

export interface Entitlement {
  status: SubscriptionStatus;
  current_period_end: number;
  past_due_since: number | null;
}

const DAY = 86_400;

export function accessEnds(subscription: Entitlement, graceDays: number = settings.payments.graceDays): number {
  if (subscription.status !== 'past_due') return subscription.current_period_end;
  return (subscription.past_due_since ?? subscription.current_period_end) + graceDays * DAY;
}
