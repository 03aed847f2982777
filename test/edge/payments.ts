// What the payment tests inside workerd share: a browser (a cookie jar), an account of their own
// at the local test-mode provider (so no two tests see each other's customers or webhooks), and
// the steps of a purchase: start a checkout, pay it, deliver the webhooks, come back.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { app } from '../../functions/index.ts';
import { COOKIES, LOCKED_PART_CLASS, PAGES } from '../../src/paywall/contract.ts';
import type { Plan } from '../../src/paywall/plans.ts';
import { settings, type PaymentProviderName } from '../../src/paywall/settings.ts';
import { razorpaySignature } from '../../functions/payments/razorpay.ts';
import { ORIGIN } from './client.ts';

export const GOOD_CARD = { name: 'Test Reader', number: '4242 4242 4242 4242', expiry: '12 / 34', cvc: '123' };
export const DECLINED_CARD = { ...GOOD_CARD, number: '4000 0000 0000 0002' };

/** One browser: cookies kept as a browser keeps them (the last Set-Cookie of a name wins). */
export class Browser {
  readonly jar = new Map<string, string>();

  /** `ctx` receives the Worker's `waitUntil` work, for tests that wait on it. */
  constructor(
    private readonly bindings: Env,
    private readonly ctx?: ExecutionContext,
  ) {}

  cookie(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size) headers.set('Cookie', this.cookie());
    const response = await app.request(`${ORIGIN}${path}`, { ...init, headers, redirect: 'manual' }, this.bindings, this.ctx);
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (!value || /max-age=0/i.test(cookie)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return response;
  }

  get(path: string): Promise<Response> {
    return this.request(path);
  }

  post(path: string, fields: Record<string, string>, origin = ORIGIN): Promise<Response> {
    return this.request(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Whether this browser reads the story in full. */
  async readsInFull(path: string): Promise<boolean> {
    return (await (await this.get(path)).text()).includes(`class="${LOCKED_PART_CLASS}"`);
  }

  async accountText(): Promise<string> {
    const html = await (await this.get(PAGES.account)).text();
    return html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  }
}

export interface Delivery {
  provider: PaymentProviderName;
  eventId: string;
  type: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * A payment provider of the test's own: its provider (set for this isolate, as content/site.json
 * sets it in production), fresh keys registered at the local test-mode provider, and the Worker's
 * bindings that use them.
 */
export class Payments {
  readonly bindings: Env;
  private readonly key: string;

  private constructor(readonly provider: PaymentProviderName, keys: Partial<Env>, key: string) {
    this.bindings = { ...env, ...keys } as Env;
    this.key = key;
  }

  /** `changes`: other bindings for every request, webhooks included (an ANALYTICS queue to watch). */
  static async open(provider: PaymentProviderName, changes: Partial<Env> = {}): Promise<Payments> {
    settings.payments.provider = provider;
    const id = crypto.randomUUID().replaceAll('-', '');
    const payments =
      provider === 'stripe'
        ? new Payments(provider, { ...changes, STRIPE_SECRET_KEY: `sk_test_${id}`, STRIPE_WEBHOOK_SECRET: `whsec_${id}` }, `sk_test_${id}`)
        : new Payments(provider, { ...changes, RAZORPAY_KEY_ID: `rzp_test_${id}`, RAZORPAY_KEY_SECRET: `secret_${id}`, RAZORPAY_WEBHOOK_SECRET: `hook_${id}` }, `rzp_test_${id}`);
    const account =
      provider === 'stripe'
        ? { provider, webhookSecret: payments.bindings.STRIPE_WEBHOOK_SECRET }
        : { provider, keySecret: payments.bindings.RAZORPAY_KEY_SECRET, webhookSecret: payments.bindings.RAZORPAY_WEBHOOK_SECRET };
    await payments.control('accounts', account, 'PUT');
    return payments;
  }

  browser(): Browser {
    return new Browser(this.bindings);
  }

  /** Bindings with something else changed (a failing D1, another key). */
  with(changes: Partial<Env>): Env {
    return { ...this.bindings, ...changes } as Env;
  }

  /** Calls the provider's test controls (test clock, faults, checkout payment). */
  async control<T = any>(path: string, body?: unknown, method = 'POST'): Promise<T> {
    const response = await fetch(`${env.STRIPE_API_URL}/_control/${path}?key=${encodeURIComponent(this.key)}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const answer = await response.json<T>();
    if (!response.ok && !path.includes('/pay')) throw new Error(`control ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
    return answer;
  }

  /** The provider's API, as the adapters call it, for what the tests check there. */
  async api<T = any>(path: string): Promise<T> {
    const auth =
      this.provider === 'stripe'
        ? `Bearer ${this.bindings.STRIPE_SECRET_KEY}`
        : `Basic ${btoa(`${this.bindings.RAZORPAY_KEY_ID}:${this.bindings.RAZORPAY_KEY_SECRET}`)}`;
    const response = await fetch(`${env.STRIPE_API_URL}${path}`, { headers: { Authorization: auth } });
    return response.json<T>();
  }

  /** The signed webhooks waiting for this account, in the order the provider sends them. */
  drain(): Promise<Delivery[]> {
    return this.control<Delivery[]>('outbox/drain');
  }

  /** Posts one signed delivery to the Worker, as the provider would, and waits for what it left running. */
  async post(delivery: Delivery, bindings: Env = this.bindings): Promise<Response> {
    const context = createExecutionContext();
    const response = await app.request(
      `${ORIGIN}/payments/webhooks/${delivery.provider}`,
      { method: 'POST', headers: { ...delivery.headers, 'Content-Type': 'application/json' }, body: delivery.body },
      bindings,
      context,
    );
    await waitOnExecutionContext(context);
    return response;
  }

  /**
   * A delivery of `body` signed with this account's webhook secret, as the provider signs (Stripe
   * with a timestamp that may be set in the past).
   */
  async signed(body: string, eventId: string, signedAt = Math.floor(Date.now() / 1000)): Promise<Delivery> {
    const { provider } = this;
    if (provider === 'razorpay') {
      const signature = await razorpaySignature(body, this.bindings.RAZORPAY_WEBHOOK_SECRET);
      return { provider, eventId, type: '', body, headers: { 'X-Razorpay-Signature': signature, 'X-Razorpay-Event-Id': eventId } };
    }
    const Stripe = (await import('stripe')).default;
    const header = await new Stripe('sk_test_signing_only', { httpClient: Stripe.createFetchHttpClient() }).webhooks.generateTestHeaderStringAsync({
      payload: body,
      secret: this.bindings.STRIPE_WEBHOOK_SECRET,
      timestamp: signedAt,
      cryptoProvider: Stripe.createSubtleCryptoProvider(),
    });
    return { provider, eventId, type: '', body, headers: { 'Stripe-Signature': header } };
  }

  /** Delivers every waiting webhook and checks each was accepted. */
  async deliverAll(order: 'sent' | 'reversed' = 'sent'): Promise<Delivery[]> {
    const deliveries = await this.drain();
    if (order === 'reversed') deliveries.reverse();
    for (const delivery of deliveries) {
      const response = await this.post(delivery);
      if (response.status !== 200) throw new Error(`${delivery.type} answered ${response.status}: ${await response.text()}`);
    }
    return deliveries;
  }

  /**
   * Starts a checkout from a story's plan card, as the reader's browser does, and returns its id.
   * Stripe answers with a redirect to its page; Razorpay with our page that links to its own.
   */
  async startCheckout(browser: Browser, plan: Plan, returnTo: string): Promise<string> {
    const response = await browser.post(PAGES.subscribe, { plan: plan.id, return: returnTo });
    const where = this.provider === 'stripe' ? (response.headers.get('Location') ?? '') : await response.text();
    const id = where.match(this.provider === 'stripe' ? /cs_test_\w+/ : /sub_\w+/)?.[0];
    if (!id) throw new Error(`No checkout started (${response.status}): ${where.slice(0, 300)}`);
    return id;
  }

  /** Pays a checkout on the provider's hosted page. */
  pay(checkoutId: string, email: string, card = GOOD_CARD): Promise<{ paid: boolean; subscription?: { id: string }; error?: { message: string } }> {
    return this.control(`checkouts/${checkoutId}/pay`, { email, card, contact: '+919800000000' });
  }

  /** The reader comes back from the payment page to ours. */
  returnFrom(browser: Browser, checkoutId: string): Promise<Response> {
    return browser.get(`${PAGES.checkoutReturn}?checkout=${encodeURIComponent(checkoutId)}`);
  }

  /** The whole purchase by a new reader: checkout, payment, webhooks, return. */
  async buy(browser: Browser, plan: Plan, returnTo: string, email: string): Promise<{ checkoutId: string; back: Response }> {
    const checkoutId = await this.startCheckout(browser, plan, returnTo);
    const paid = await this.pay(checkoutId, email);
    if (!paid.paid) throw new Error(`Payment failed: ${JSON.stringify(paid)}`);
    await this.deliverAll();
    return { checkoutId, back: await this.returnFrom(browser, checkoutId) };
  }
}

export function uniqueEmail(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** The account and subscription D1 holds for an email. */
export function ledgerOf(email: string) {
  return env.DB.prepare(
    `SELECT a.id, a.password_hash, s.status, s.plan, s.provider_subscription_id, s.current_period_end, s.past_due_since,
            s.cancel_at_period_end, s.cancel_sent_at, s.notice, s.last_payment_amount
       FROM accounts a LEFT JOIN subscriptions s ON s.account_id = a.id WHERE a.email = ?`,
  )
    .bind(email)
    .first<{
      id: string;
      password_hash: string | null;
      status: string | null;
      plan: string | null;
      provider_subscription_id: string | null;
      current_period_end: number;
      past_due_since: number | null;
      cancel_at_period_end: number;
      cancel_sent_at: number | null;
      notice: string | null;
      last_payment_amount: number | null;
    }>();
}

export const sessionCookieName = COOKIES.session;
