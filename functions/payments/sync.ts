import type { Count } from '../analytics/events.ts';
import { applySubscription } from './ledger.ts';
import { paymentProvider } from './providers.ts';

/** Reads a subscription from the provider now and writes its state, as a webhook would; what that changed, to count. */
export async function syncSubscription(env: Env, subscriptionId: string, now: number): Promise<Count[]> {
  const provider = paymentProvider(env);
  return (await applySubscription(env.DB, { provider, subscription: await provider.readSubscription(subscriptionId), now })).counts;
}
