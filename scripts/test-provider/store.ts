// Accounts and everything they own. Each API key is its own namespace, so parallel test files
// that use different keys never see each other's customers, subscriptions or webhooks.
import { randomBytes } from 'node:crypto';
import { newId } from './ids.ts';
import type { RazorpayData } from './razorpay-entities.ts';
import type { StripeData } from './stripe-objects.ts';
import type { Delivery } from './deliveries.ts';

export type DeliveryMode = 'normal' | 'twice' | 'reverse';
export const DELIVERY_MODES: readonly DeliveryMode[] = ['normal', 'twice', 'reverse'];

/** What a test starts the server with, or registers later with PUT /_control/accounts. */
export type TestAccount =
  | { provider: 'stripe'; secretKey: string; webhookSecret: string; webhookUrl?: string }
  | { provider: 'razorpay'; keyId: string; keySecret: string; webhookSecret: string; webhookUrl?: string };

/** Injected trouble for the next `remaining` API calls: a delay, a 5xx answer, or both. */
export interface Fault {
  status: number | undefined;
  delayMs: number | undefined;
  remaining: number;
}

interface AccountBase {
  webhookSecret: string;
  /** Where signed events are POSTed; without one they wait in `outbox` to be drained. */
  webhookUrl: string | undefined;
  deliveryMode: DeliveryMode;
  fault: Fault | undefined;
  /** Subscriptions whose renewals (and retries) fail until this is cleared. */
  failingRenewals: Set<string>;
  /** Every delivery, newest last, for the control page and GET /_control/deliveries. */
  deliveries: Delivery[];
  outbox: Delivery[];
}

export interface StripeAccount extends AccountBase {
  provider: 'stripe';
  secretKey: string;
  data: StripeData;
}

export interface RazorpayAccount extends AccountBase {
  provider: 'razorpay';
  keyId: string;
  /** Set at registration, or by the first API call made with this key id. */
  keySecret: string | undefined;
  /** The `account_id` Razorpay puts in every webhook. */
  accountId: string;
  data: RazorpayData;
}

export type Account = StripeAccount | RazorpayAccount;

export const isStripeTestKey = (key: string): boolean => /^sk_test_[A-Za-z0-9_]{1,200}$/.test(key);
export const isRazorpayTestKey = (key: string): boolean => /^rzp_test_[A-Za-z0-9]{1,100}$/.test(key);

/** Shows enough of a key to recognise it in logs and pages. */
export function maskKey(key: string): string {
  return key.length <= 14 ? key : `${key.slice(0, 9)}…${key.slice(-4)}`;
}

/** Maps keep insertion order, so this is each provider's list order: newest first. */
export function newestFirst<T>(values: Iterable<T>): T[] {
  return [...values].reverse();
}

export const accountKey = (account: Account): string => (account.provider === 'stripe' ? account.secretKey : account.keyId);

function emptyStripeData(): StripeData {
  return {
    customers: new Map(),
    products: new Map(),
    prices: new Map(),
    checkoutSessions: new Map(),
    subscriptions: new Map(),
    invoices: new Map(),
    invoicePayments: new Map(),
    paymentIntents: new Map(),
    refunds: new Map(),
    coupons: new Map(),
    promotionCodes: new Map(),
    discounts: new Map(),
    portalSessions: new Map(),
    events: [],
    idempotency: new Map(),
  };
}

function emptyRazorpayData(): RazorpayData {
  return { offers: new Map(), plans: new Map(), subscriptions: new Map(), customers: new Map(), invoices: new Map(), payments: new Map(), refunds: new Map(), events: [] };
}

function base(webhookSecret: string | undefined, webhookUrl: string | undefined): AccountBase {
  return {
    // A namespace made on first use still signs its webhooks; GET /_control/accounts shows the secret.
    webhookSecret: webhookSecret ?? `whsec_${randomBytes(24).toString('hex')}`,
    webhookUrl,
    deliveryMode: 'normal',
    fault: undefined,
    failingRenewals: new Set(),
    deliveries: [],
    outbox: [],
  };
}

export class Accounts {
  readonly #stripe = new Map<string, StripeAccount>();
  readonly #razorpay = new Map<string, RazorpayAccount>();
  /** Hosted pages carry only an object id in their URL; this finds the account that owns it. */
  readonly #pageOwners = new Map<string, Account>();

  /** The namespace for a Stripe test key, made on first use. The caller has checked the key. */
  stripe(secretKey: string): StripeAccount {
    let account = this.#stripe.get(secretKey);
    if (!account) {
      account = { provider: 'stripe', secretKey, data: emptyStripeData(), ...base(undefined, undefined) };
      this.#stripe.set(secretKey, account);
    }
    return account;
  }

  razorpay(keyId: string): RazorpayAccount {
    let account = this.#razorpay.get(keyId);
    if (!account) {
      account = { provider: 'razorpay', keyId, keySecret: undefined, accountId: newId('acc_'), data: emptyRazorpayData(), ...base(undefined, undefined) };
      this.#razorpay.set(keyId, account);
    }
    return account;
  }

  /** Adds an account, or updates the secrets and webhook URL of one that exists. */
  register(details: TestAccount): Account {
    const account = details.provider === 'stripe' ? this.stripe(details.secretKey) : this.razorpay(details.keyId);
    if (account.provider === 'razorpay' && details.provider === 'razorpay') account.keySecret = details.keySecret;
    account.webhookSecret = details.webhookSecret;
    account.webhookUrl = details.webhookUrl;
    return account;
  }

  all(): Account[] {
    return [...this.#stripe.values(), ...this.#razorpay.values()];
  }

  ownPage(id: string, account: Account): void {
    this.#pageOwners.set(id, account);
  }

  pageOwner(id: string): Account | undefined {
    return this.#pageOwners.get(id);
  }
}
