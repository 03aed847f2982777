import { armsFromString, armsToString, type Assignment } from '../../src/paywall/experiments.ts';
import type { Count, ExperimentStep } from '../analytics/events.ts';

/**
 * An experiment's outcomes, counted for the arms the reader was exposed to: a registration (the
 * arms travel with the log-in link, as its story does), a checkout started, a subscription bought
 * through that checkout, and that subscription's first renewal. The arms of a checkout are kept
 * in its D1 row; a subscription bought through it keeps them in experiment_subscriptions until its
 * first renewal. Each is counted by the transition that makes it, so a webhook delivered twice
 * counts once.
 */

/** One count per arm: what the newsroom's results page adds up. */
export function outcomeCounts(arms: Assignment, step: ExperimentStep): Count[] {
  return [...arms].map(([experiment, arm]) => ({ event: 'experiment', experiment, arm, step }) as const);
}

/** Arms as a checkout's or a log-in link's row keeps them: null for none. */
export function armsColumn(arms: Assignment): string | null {
  return arms.size ? armsToString(arms) : null;
}

interface Applied {
  outcome: string;
  counts: Count[];
}

interface AppliedInput {
  provider: { name: string };
  subscription: { id: string };
  checkout?: { id: string };
}

/**
 * The ledger's counts for a subscription's change, with its experiments' outcomes added: the
 * subscription a checkout with arms bought, and its first renewal. A failure here loses those
 * counts only, never the payment's record (already written by then).
 */
export async function withExperimentOutcomes<T extends Applied>(db: D1Database, { provider, subscription, checkout }: AppliedInput, applied: T): Promise<T> {
  const changed = (change: string) => applied.counts.some((count) => count.event === 'subscription' && count.change === change);
  try {
    const extra: Count[] = [];
    const bought = applied.counts.some((count) => count.event === 'checkout_completed') || changed('started');
    if (checkout && bought && applied.outcome !== 'duplicate') {
      const arms = await db
        .prepare(
          `INSERT INTO experiment_subscriptions (provider, subscription_id, arms)
           SELECT provider, ?3, arms FROM checkouts WHERE provider = ?1 AND id = ?2 AND arms IS NOT NULL
           ON CONFLICT DO NOTHING RETURNING arms`,
        )
        .bind(provider.name, checkout.id, subscription.id)
        .first<string>('arms');
      if (arms) extra.push(...outcomeCounts(armsFromString(arms), 'subscription'));
    }
    if (changed('renewed')) {
      const arms = await db
        .prepare('UPDATE experiment_subscriptions SET renewed = 1 WHERE provider = ? AND subscription_id = ? AND renewed = 0 RETURNING arms')
        .bind(provider.name, subscription.id)
        .first<string>('arms');
      if (arms) extra.push(...outcomeCounts(armsFromString(arms), 'renewal'));
    }
    return extra.length ? { ...applied, counts: [...applied.counts, ...extra] } : applied;
  } catch (error) {
    console.error('experiments: a subscription’s outcome could not be counted for its arms:', error);
    return applied;
  }
}
