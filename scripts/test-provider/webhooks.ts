// Webhooks: signing as each provider signs, delivering to the account's URL with retries, or
// keeping signed deliveries in an outbox for tests that cannot listen on a port (workerd).
import { createHmac } from 'node:crypto';
import type { Delivery, DeliveryAttempt, DrainedDelivery, OutgoingEvent } from './deliveries.ts';
import type { Account } from './store.ts';

const MAX_ATTEMPTS = 8;
export const MAX_RETRY_DELAY_MS = 60_000;
/** How long one attempt may take before it counts as failed. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/** The Stripe-Signature header: `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
function stripeSignatureHeader(body: string, secret: string, timestamp: number): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

/** X-Razorpay-Signature: hex HMAC-SHA256 of the raw body. */
function razorpaySignature(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/** Headers for one attempt. Stripe signs each attempt afresh, with its own timestamp. */
function signedHeaders(account: Account, delivery: Pick<Delivery, 'eventId' | 'body'>): Record<string, string> {
  if (account.provider === 'stripe') {
    return {
      'Content-Type': 'application/json',
      'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'Stripe-Signature': stripeSignatureHeader(delivery.body, account.webhookSecret, Math.floor(Date.now() / 1000)),
    };
  }
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'Razorpay-Webhook/v1',
    'X-Razorpay-Signature': razorpaySignature(delivery.body, account.webhookSecret),
    'X-Razorpay-Event-Id': delivery.eventId,
  };
}

/** Retry n (1-based) waits base × 2^(n-1), never more than a minute. */
export function retryDelayMs(retryBaseMs: number, retry: number): number {
  return Math.min(retryBaseMs * 2 ** (retry - 1), MAX_RETRY_DELAY_MS);
}

export class WebhookSender {
  readonly #retryBaseMs: number;
  readonly #log: (line: string) => void;
  readonly #timers = new Map<Delivery, NodeJS.Timeout>();
  readonly #inFlight = new Set<AbortController>();
  /** First attempts go out one after another per account, so a receiver sees them in order. */
  readonly #queues = new WeakMap<Account, Promise<void>>();
  #stopped = false;

  constructor(options: { retryBaseMs: number; log: (line: string) => void }) {
    this.#retryBaseMs = options.retryBaseMs;
    this.#log = options.log;
  }

  /**
   * Sends the events one action produced, in the account's delivery mode: `twice` sends the
   * batch and then all of it again; `reverse` sends it newest first.
   */
  publish(account: Account, events: OutgoingEvent[]): void {
    if (!events.length) return;
    const ordered = account.deliveryMode === 'reverse' ? [...events].reverse() : account.deliveryMode === 'twice' ? [...events, ...events] : events;
    for (const event of ordered) {
      const delivery: Delivery = { eventId: event.id, type: event.type, body: event.body, url: account.webhookUrl, attempts: [], state: account.webhookUrl ? 'sending' : 'outbox' };
      account.deliveries.push(delivery);
      if (!delivery.url) {
        account.outbox.push(delivery);
        continue;
      }
      const queue = (this.#queues.get(account) ?? Promise.resolve())
        .then(() => this.#attempt(account, delivery))
        .catch((error: unknown) => this.#log(`webhook ${delivery.type} ${delivery.eventId}: ${String(error)}`));
      this.#queues.set(account, queue);
    }
  }

  /** Hands over and forgets the waiting deliveries, signed now, in the order they would have gone. */
  drain(account: Account): DrainedDelivery[] {
    const drained = account.outbox.map((delivery) => ({
      provider: account.provider,
      eventId: delivery.eventId,
      type: delivery.type,
      headers: signedHeaders(account, delivery),
      body: delivery.body,
    }));
    for (const delivery of account.outbox) delivery.state = 'drained';
    account.outbox = [];
    return drained;
  }

  /** Cancels scheduled retries and attempts in flight. */
  stop(): void {
    this.#stopped = true;
    for (const [delivery, timer] of this.#timers) {
      clearTimeout(timer);
      delivery.state = 'cancelled';
    }
    this.#timers.clear();
    for (const controller of this.#inFlight) controller.abort();
  }

  async #attempt(account: Account, delivery: Delivery): Promise<void> {
    if (this.#stopped || !delivery.url) return;
    const controller = new AbortController();
    this.#inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(new Error(`no answer within ${ATTEMPT_TIMEOUT_MS} ms`)), ATTEMPT_TIMEOUT_MS);
    const attempt: DeliveryAttempt = { at: Date.now(), status: undefined, error: undefined, durationMs: 0 };
    delivery.state = 'sending';
    try {
      const response = await fetch(delivery.url, { method: 'POST', headers: signedHeaders(account, delivery), body: delivery.body, redirect: 'manual', signal: controller.signal });
      attempt.status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      attempt.error = `${error instanceof Error ? error.message : String(error)}${cause}`;
    } finally {
      clearTimeout(timeout);
      this.#inFlight.delete(controller);
    }
    attempt.durationMs = Date.now() - attempt.at;
    delivery.attempts.push(attempt);
    const number = delivery.attempts.length;
    const outcome = attempt.status === undefined ? attempt.error : `HTTP ${attempt.status}`;
    const succeeded = attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300;
    if (succeeded) {
      delivery.state = 'delivered';
      this.#log(`webhook ${delivery.type} ${delivery.eventId} → ${delivery.url}: attempt ${number} ${outcome} (${attempt.durationMs} ms)`);
    } else if (this.#stopped) {
      delivery.state = 'cancelled';
    } else if (number >= MAX_ATTEMPTS) {
      delivery.state = 'failed';
      this.#log(`webhook ${delivery.type} ${delivery.eventId} → ${delivery.url}: attempt ${number} ${outcome}; giving up after ${MAX_ATTEMPTS} attempts`);
    } else {
      const delay = retryDelayMs(this.#retryBaseMs, number);
      delivery.state = 'retrying';
      this.#log(`webhook ${delivery.type} ${delivery.eventId} → ${delivery.url}: attempt ${number} ${outcome}; retrying in ${delay} ms`);
      const timer = setTimeout(() => {
        this.#timers.delete(delivery);
        void this.#attempt(account, delivery);
      }, delay);
      this.#timers.set(delivery, timer);
    }
  }
}
