import type { PaymentProviderName } from '../../src/paywall/settings.ts';
import type { Offer, Plan, PromoCode } from '../../src/paywall/plans.ts';
import type { Attribution } from '../analytics/events.ts';

/**
 * What the product needs from a payment provider, whichever one the publisher chose in
 * content/site.json. Each adapter (stripe.ts, razorpay.ts) speaks its provider's real HTTP API;
 * which server that is (the provider's own, or the local test-mode provider) is configuration.
 *
 * Nothing here is trusted from the browser: the edge reads checkouts and subscriptions from the
 * provider, server to server, and webhooks are verified before they are read.
 */
export interface PaymentProvider {
  readonly name: PaymentProviderName;
  /** Starts a hosted checkout for a plan. */
  startCheckout(request: CheckoutRequest): Promise<StartedCheckout>;
  /** A checkout as the provider sees it now; ProviderNotFoundError if it has none by that id. */
  readCheckout(id: string): Promise<CheckoutState>;
  /** A subscription as the provider sees it now; ProviderNotFoundError if it has none by that id. */
  readSubscription(id: string): Promise<SubscriptionState>;
  /** The email of one of the provider's customers, or null if it has none. */
  customerEmail(customerId: string): Promise<string | null>;
  /** Where a subscriber manages cards and invoices, if the provider has such a page. */
  billingPage(customerId: string, returnUrl: string): Promise<string | undefined>;
  /** Asks the provider to end the subscription when its period ends, or not to. */
  setCancelAtPeriodEnd(subscriptionId: string, cancel: boolean): Promise<void>;
  /**
   * Ends a subscription at once and refunds its payments: for a second subscription bought by
   * mistake. Returns what was refunded; 0 when an earlier call had refunded everything already
   * (Stripe's idempotent refunds report the earlier refund instead).
   */
  cancelAndRefund(subscriptionId: string): Promise<Refund>;
  /**
   * Verifies a webhook's signature over its raw body and reads what it is about. Throws
   * WebhookSignatureError for a body the provider did not sign or that is not an event at all.
   */
  verifyWebhook(body: string, headers: Headers, now: Date): Promise<WebhookEvent>;
}

export interface CheckoutRequest {
  plan: Plan;
  /** The site's origin, for the provider's return and cancel links. */
  origin: string;
  /** Where the reader goes back to if they leave the checkout without paying. */
  cancelPath: string;
  /** A logged-in reader's account: its email, and its customer at this provider, if it has one. */
  account?: { id: string; email: string; customerId?: string };
  /**
   * The story the checkout started from, kept by the provider with the subscription (metadata,
   * notes) and read back from it, so the ledger never takes it from a browser.
   */
  attribution: Attribution | null;
  /**
   * The offer the reader may have (checked by the caller: shown to them, or given by `code`): a
   * trial, an introductory price, or both. The adapter makes the provider charge exactly it.
   */
  offer?: Offer;
  /** The promo code that gave the offer, for providers that keep codes of their own (Stripe). */
  code?: PromoCode;
}

export interface StartedCheckout {
  id: string;
  /** The provider's hosted payment page. */
  url: string;
  /**
   * `redirect`: the page sends the reader back to the site when they have paid (Stripe).
   * `separate`: it does not (Razorpay's subscription links), so the site keeps a page open that
   * the reader returns to.
   */
  returns: 'redirect' | 'separate';
}

export interface CheckoutState {
  id: string;
  /** The first payment went through. */
  paid: boolean;
  /** The checkout can no longer be paid (expired or abandoned). */
  closed: boolean;
  email: string | null;
  customerId: string | null;
  subscriptionId: string | null;
}

/**
 * The states the product distinguishes:
 * - `incomplete`: not paid for yet.
 * - `active`: paid up (possibly set to end at the period's end).
 * - `past_due`: a renewal failed and the provider is retrying; readable during the grace period.
 * - `ended`: over (cancelled, retries exhausted, or completed).
 */
export type SubscriptionStatus = 'incomplete' | 'active' | 'past_due' | 'ended';

export interface SubscriptionState {
  id: string;
  customerId: string | null;
  /** Our plan id, as the checkout recorded it with the provider. */
  plan: string | undefined;
  status: SubscriptionStatus;
  /** Active: when the paid period ends. Ended: when it ended. */
  currentPeriodEnd: number;
  /** Past due: since when (the end of the last paid period). */
  pastDueSince: number | null;
  /** Whether it ends at the period end; undefined when the provider does not say (Razorpay). */
  cancelAtPeriodEnd: boolean | undefined;
  lastPayment: Payment | null;
  /**
   * What the provider will charge next and when, from its upcoming invoice; null when it will not
   * renew or the provider does not say.
   */
  nextCharge: Payment | null;
  /** The story its checkout started from, as the checkout gave it to the provider. */
  attribution: Attribution | null;
}

export interface Payment {
  /** Seconds since the epoch. */
  at: number;
  /** Minor units. */
  amount: number;
  currency: string;
}

export interface Refund {
  /** Minor units refunded, and in which currency. */
  amount: number;
  currency: string;
}

export interface WebhookEvent {
  /**
   * Recorded once the event is applied, so a replay is a no-op. Read from the signed body, so a
   * replay cannot come under another id.
   */
  id: string;
  type: string;
  /** The checkout it completes, for events that complete one. */
  checkoutId?: string;
  /** The subscription it is about, if any. */
  subscriptionId?: string;
  /**
   * Set when the signed body lacks what its type is about (no object, or one without an id): no
   * retry can apply it, so it is acknowledged and noted instead.
   */
  unusable?: string;
}

/** A webhook whose signature is missing, wrong or stale, or whose signed body is not an event: it must change nothing. */
export class WebhookSignatureError extends Error {
  override name = 'WebhookSignatureError';
}

/**
 * The provider has no object by that id, or the id has a shape the provider never gives. Asking
 * again gets the same answer: a webhook that names it is acknowledged, not retried.
 */
export class ProviderNotFoundError extends Error {
  override name = 'ProviderNotFoundError';
}

/**
 * `id` when it has the shape of the provider's ids of one kind (`prefix` such as `sub_`, then
 * letters, digits and underscores). Anything else (`../plans`) cannot name an object there, so
 * it is refused before any request and never reaches a URL path.
 */
export function providerId(id: string, prefix: string): string {
  if (!id.startsWith(prefix) || !/^[A-Za-z0-9_]{1,255}$/.test(id)) {
    throw new ProviderNotFoundError(`${JSON.stringify(id.slice(0, 100))} is not a ${prefix}… id; no such object can exist at the provider`);
  }
  return id;
}

/**
 * The provider will not redeem a promo code or offer now (used up or expired there): the reader is
 * told `message`, and nothing is charged.
 */
export class OfferRefusedError extends Error {
  override name = 'OfferRefusedError';
}

/** The provider failed or could not be reached; the caller should try again later. */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
}

/** The provider refused what we asked because our configuration is wrong (a key, a price). */
export class PaymentsConfigError extends Error {
  override name = 'PaymentsConfigError';
}
