import type { Context } from 'hono';
import { settings } from '../../src/paywall/settings.ts';
import type { AppEnv } from '../env.ts';
import { cacheAs } from '../response/index.ts';
import { applySubscription, isProcessed, PaymentConflictError, recordEvent } from './ledger.ts';
import { ProviderUnavailableError, WebhookSignatureError } from './provider.ts';
import { paymentProvider } from './providers.ts';

/** Larger than any event the providers send; anything bigger is not from them. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;

/**
 * A provider's webhook. The signature is verified over the raw body before anything is read; an
 * event already applied is a no-op; the event says only which checkout or subscription changed,
 * and what is written is read from the provider now. A 2xx answer means the writes committed;
 * any failure answers 5xx, so the provider delivers the event again later.
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
    const checkout = event.checkoutId ? await provider.readCheckout(event.checkoutId) : undefined;
    const subscriptionId = checkout?.subscriptionId ?? event.subscriptionId;
    if (!subscriptionId) {
      // An event type we do not act on, or a checkout not paid yet: noted, so a replay stays a no-op.
      await recordEvent(c.env.DB, provider.name, event, seconds);
      return c.json({ received: event.id, outcome: 'ignored' });
    }
    const subscription = await provider.readSubscription(subscriptionId);
    const applied = await applySubscription(c.env.DB, {
      provider,
      subscription,
      ...(checkout?.paid ? { checkout } : {}),
      event,
      now: seconds,
    });
    return c.json({ received: event.id, outcome: applied.outcome });
  } catch (error) {
    const retry = error instanceof ProviderUnavailableError || error instanceof PaymentConflictError ? 'the provider or a concurrent write' : 'storage';
    console.error(`payments: event ${event.id} (${event.type}) not applied, failed on ${retry}; the provider will retry:`, error);
    return c.json({ error: 'Not applied; deliver it again later.' }, 503);
  }
}
