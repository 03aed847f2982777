import { applySubscription } from './ledger.ts';
import { paymentProvider } from './providers.ts';

/** Reads a subscription from the provider now and writes its state, as a webhook would. */
export async function syncSubscription(env: Env, subscriptionId: string, now: number): Promise<void> {
  const provider = paymentProvider(env);
  await applySubscription(env.DB, { provider, subscription: await provider.readSubscription(subscriptionId), now });
}
