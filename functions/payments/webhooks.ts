import type { Context } from 'hono';
import { settings } from '../../src/paywall/settings.ts';
import { count } from '../analytics/index.ts';
import type { Count } from '../analytics/events.ts';
import type { AppEnv } from '../env.ts';
import { cacheAs } from '../response/index.ts';
import { applySubscription, isProcessed, PaymentConflictError, recordEvent, type Applied } from './ledger.ts';
import { ProviderNotFoundError, ProviderUnavailableError, WebhookSignatureError, type PaymentProvider, type WebhookEvent } from './provider.ts';
import { paymentProvider } from './providers.ts';

/** Larger than any event the providers send; anything bigger is not from them. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;

/**
 * A provider's webhook. The signature is verified over the raw body before anything is read; an
 * event already applied is a no-op; the event says only which checkout or subscription changed,
 * and what is written is read from the provider now. A 2xx answer means the writes committed, or
 * that the event can never apply; a failure a retry can cure (D1, the provider down) answers 5xx,
 * so the provider delivers the event again later.
 */
export async function receiveWebhook(c: Context<AppEnv>): Promise<Response> {
  cacheAs(c, 'private');
  if (c.req.param('provider') !== settings.payments.provider) {
    return c.json({ error: `This site takes payments through ${settings.payments.provider}.` }, 404);
  }
  const provider = paymentProvider(c.env);
  const now = new Date();
  const seconds = Math.floor(now.getTime() / 1000);
  const body = await c.req.text();
  let event;
  try {
    event = await provider.verifyWebhook(body, c.req.raw.headers, now);
  } catch (error) {
    if (!(error instanceof WebhookSignatureError)) throw error;
    return c.json({ error: error.message }, 400);
  }

  try {
    if (await isProcessed(c.env.DB, provider.name, event.id)) return c.json({ received: event.id, outcome: 'already applied' });
    const { outcome, counts } = await apply(c.env.DB, provider, event, seconds);
    count(c, ...counts);
    return c.json({ received: event.id, outcome });
  } catch (error) {
    const retry = error instanceof ProviderUnavailableError || error instanceof PaymentConflictError ? 'the provider or a concurrent write' : 'storage';
    console.error(`payments: event ${event.id} (${event.type}) not applied, failed on ${retry}; the provider will retry:`, error);
    return c.json({ error: 'Not applied; deliver it again later.' }, 503);
  }
}

interface Result {
  outcome: Applied['outcome'] | 'cannot apply';
  /** What applying it changed, for the newsroom. */
  counts: Count[];
}

/** Applies one verified event, or notes one that can never apply. */
async function apply(db: D1Database, provider: PaymentProvider, event: WebhookEvent, now: number): Promise<Result> {
  if (event.unusable) return acknowledge(db, provider, event, event.unusable, now);
  try {
    const checkout = event.checkoutId ? await provider.readCheckout(event.checkoutId) : undefined;
    const subscriptionId = checkout?.subscriptionId ?? event.subscriptionId;
    if (!subscriptionId) {
      // An event type we do not act on, or a checkout not paid yet: noted, so a replay stays a no-op.
      await recordEvent(db, provider.name, event, now);
      return { outcome: 'ignored', counts: [] };
    }
    const subscription = await provider.readSubscription(subscriptionId);
    const { outcome, counts } = await applySubscription(db, { provider, subscription, ...(checkout?.paid ? { checkout } : {}), event, now });
    return { outcome, counts };
  } catch (error) {
    if (!(error instanceof ProviderNotFoundError)) throw error;
    return acknowledge(db, provider, event, error.message, now);
  }
}

/**
 * An event no retry can apply: noted, so a replay stays a no-op, and answered 2xx, so the
 * provider stops sending it for days. The log line is where an operator learns of it.
 */
async function acknowledge(db: D1Database, provider: PaymentProvider, event: WebhookEvent, why: string, now: number): Promise<Result> {
  await recordEvent(db, provider.name, event, now);
  console.warn(`payments: event ${event.id} (${event.type}) can never apply, so it is acknowledged and not applied: ${why}`);
  return { outcome: 'cannot apply', counts: [] };
}
