import { introductoryCharge } from '../../src/paywall/offers.ts';
import { chargeOf, findPlan, plansFile, type Plan } from '../../src/paywall/plans.ts';
import { settings } from '../../src/paywall/settings.ts';
import { attributionFrom } from '../analytics/events.ts';
import {
  PaymentsConfigError,
  ProviderNotFoundError,
  ProviderUnavailableError,
  providerId,
  WebhookSignatureError,
  type CheckoutRequest,
  type CheckoutState,
  type PaymentProvider,
  type Refund,
  type StartedCheckout,
  type SubscriptionState,
  type SubscriptionStatus,
  type WebhookEvent,
} from './provider.ts';

/**
 * Razorpay, over its HTTP API with `fetch` (its Node SDK does not run on Workers): plans,
 * subscriptions and the hosted `short_url` to pay on. RAZORPAY_API_URL points it at another
 * server that speaks Razorpay's API (the local test-mode provider); unset, it talks to Razorpay.
 */
export interface RazorpayEnv {
  RAZORPAY_KEY_ID?: string;
  RAZORPAY_KEY_SECRET?: string;
  RAZORPAY_WEBHOOK_SECRET?: string;
  RAZORPAY_API_URL?: string;
}

const DEFAULT_API = 'https://api.razorpay.com';
const TIMEOUT_MS = 10_000;
/**
 * Razorpay subscriptions need a number of renewals; 30 years' worth is as good as "until
 * cancelled" (its limit is 100 years).
 */
const YEARS_OF_RENEWALS = 30;

interface RazorpayPlan {
  id: string;
  period: string;
  interval: number;
  item: { amount: number; currency: string };
  notes: Record<string, string> | unknown[];
}

interface RazorpaySubscription {
  id: string;
  status: string;
  plan_id: string;
  customer_id: string | null;
  current_start: number | null;
  current_end: number | null;
  ended_at: number | null;
  /** When the next charge is due: after a trial (`start_at`), its first. */
  charge_at: number | null;
  /** When the first period starts: in the future for a trial. */
  start_at: number | null;
  paid_count: number;
  notes: Record<string, string> | unknown[];
  short_url: string;
}

interface RazorpayInvoice {
  status: string;
  payment_id: string | null;
  amount_paid: number;
  currency: string;
  paid_at: number | null;
}

interface RazorpayPayment {
  id: string;
  status: string;
  amount: number;
  amount_refunded: number;
  currency: string;
}

function notesOf(notes: Record<string, string> | unknown[]): Record<string, string> {
  // Razorpay sends empty notes as [].
  return Array.isArray(notes) ? {} : notes;
}

/** Razorpay's statuses as the product's. `halted` means its retries are exhausted: no access. */
export function statusOf(status: string): SubscriptionStatus {
  switch (status) {
    case 'active':
      return 'active';
    case 'pending':
      return 'past_due';
    case 'created':
    case 'authenticated':
      return 'incomplete';
    default:
      return 'ended';
  }
}

/** A configured plan must charge exactly what the plan card shows, as often as it says. */
export function planProblem(plan: RazorpayPlan, ours: Plan): string | undefined {
  const months = plan.period === 'monthly' ? plan.interval : plan.period === 'yearly' ? plan.interval * 12 : undefined;
  if (plan.item.currency !== settings.currency) return `is in ${plan.item.currency}, not ${settings.currency}`;
  if (plan.item.amount !== chargeOf(ours)) return `charges ${plan.item.amount} instead of ${chargeOf(ours)} (minor units) that the card shows`;
  if (months !== ours.months) return `renews every ${months ?? '?'} months instead of ${ours.months}`;
  return undefined;
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function fromHex(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^(?:[0-9a-f]{2})+$/i.test(text)) return undefined;
  return Uint8Array.from(text.match(/../g)!, (pair) => parseInt(pair, 16));
}

/** Razorpay signs a webhook with a hex HMAC-SHA256 of its raw body; compared in constant time. */
export async function razorpaySignatureMatches(body: string, signature: string, secret: string): Promise<boolean> {
  const expected = fromHex(signature.trim());
  if (!expected) return false;
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  return crypto.subtle.verify('HMAC', key, expected, new TextEncoder().encode(body));
}

export async function razorpaySignature(body: string, secret: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return hex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)));
}

/**
 * A trial: the reader authorised the card for a subscription that starts later (`start_at`), and
 * reads from now until then, as Stripe's `trialing`.
 */
function inTrial(subscription: RazorpaySubscription): boolean {
  return subscription.status === 'authenticated' && subscription.paid_count === 0 && (subscription.start_at ?? 0) > Date.now() / 1000;
}

/**
 * Razorpay says when it charges next (`charge_at`) but not how much: the plan's price, or the
 * offer's introductory one while the subscription has paid fewer periods than the offer lasts.
 */
function nextChargeOf(subscription: RazorpaySubscription, notes: Record<string, string>): SubscriptionState['nextCharge'] {
  const plan = findPlan(notes['plan'] ?? '');
  if (!plan || subscription.charge_at === null || (statusOf(subscription.status) !== 'active' && !inTrial(subscription))) return null;
  const offer = plansFile.offers.find((candidate) => candidate.id === notes['offer'] && candidate.plan === plan.id);
  const introductory = offer && offer.periods !== undefined && subscription.paid_count < offer.periods ? introductoryCharge(offer) : undefined;
  return { at: subscription.charge_at, amount: introductory ?? chargeOf(plan), currency: settings.currency };
}

export function razorpayProvider(env: RazorpayEnv): PaymentProvider {
  const keyId = env.RAZORPAY_KEY_ID?.trim();
  const keySecret = env.RAZORPAY_KEY_SECRET?.trim();
  if (!keyId || !keySecret) throw new PaymentsConfigError('RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET are not set; see .dev.vars.example');
  const api = (env.RAZORPAY_API_URL?.trim() || DEFAULT_API).replace(/\/+$/, '');
  const authorization = `Basic ${btoa(`${keyId}:${keySecret}`)}`;
  const plans = new Map<string, Promise<string>>();

  async function request<T>(what: string, method: 'GET' | 'POST', path: string, body?: object): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${api}${path}`, {
        method,
        headers: { Authorization: authorization, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new ProviderUnavailableError(`Razorpay could not ${what}: ${(error as Error).message}`);
    }
    const answer = (await response.json().catch(() => ({}))) as T & { error?: { description?: string } };
    if (response.ok) return answer;
    const reason = answer.error?.description ?? `HTTP ${response.status}`;
    if (response.status === 401 || response.status === 403) throw new PaymentsConfigError(`Razorpay refused our key while trying to ${what}: ${reason}`);
    // Razorpay answers an id it does not have with 400 and this description, not with 404.
    if (response.status === 404 || (response.status === 400 && /does not exist/i.test(reason))) {
      throw new ProviderNotFoundError(`Razorpay could not ${what}: ${reason}`);
    }
    if (response.status >= 400 && response.status < 500) throw new PaymentsConfigError(`Razorpay refused to ${what}: ${reason}`);
    throw new ProviderUnavailableError(`Razorpay could not ${what}: ${reason}`);
  }

  /** Razorpay plan for one of ours: the configured one (checked), or one found or made from the card. */
  async function resolvePlan(plan: Plan): Promise<string> {
    const configured = plan.prices?.razorpay;
    if (configured) {
      const found = await request<RazorpayPlan>('read the configured plan', 'GET', `/v1/plans/${encodeURIComponent(configured)}`).catch((error: unknown) => {
        if (!(error instanceof ProviderNotFoundError)) throw error;
        throw new PaymentsConfigError(`content/plans.json: plan "${plan.id}" uses Razorpay plan ${configured}, which this Razorpay account does not have. Fix the id in the file.`);
      });
      const problem = planProblem(found, plan);
      if (problem) {
        throw new PaymentsConfigError(`content/plans.json: plan "${plan.id}" uses Razorpay plan ${configured}, which ${problem}. Fix the plan in Razorpay or in the file.`);
      }
      return configured;
    }
    for (let skip = 0; ; skip += 100) {
      const page = await request<{ items: RazorpayPlan[] }>('list plans', 'GET', `/v1/plans?count=100&skip=${skip}`);
      const match = page.items.find((candidate) => notesOf(candidate.notes)['paywall_plan'] === plan.id && !planProblem(candidate, plan));
      if (match) return match.id;
      if (page.items.length < 100) break;
    }
    const made = await request<RazorpayPlan>('create a plan', 'POST', '/v1/plans', {
      period: 'monthly',
      interval: plan.months,
      item: { name: plan.name, amount: chargeOf(plan), currency: settings.currency, description: `${settings.name}: ${plan.name}` },
      notes: { paywall_plan: plan.id },
    });
    return made.id;
  }

  function planIdFor(plan: Plan): Promise<string> {
    let id = plans.get(plan.id);
    if (!id) {
      id = resolvePlan(plan);
      id.catch(() => plans.delete(plan.id));
      plans.set(plan.id, id);
    }
    return id;
  }

  const subscription = (id: string) =>
    request<RazorpaySubscription>('read a subscription', 'GET', `/v1/subscriptions/${encodeURIComponent(providerId(id, 'sub_'))}`);

  async function customerEmail(customerId: string): Promise<string | null> {
    const customer = await request<{ email?: string | null }>('read a customer', 'GET', `/v1/customers/${encodeURIComponent(customerId)}`);
    return customer.email || null;
  }

  async function paidInvoices(subscriptionId: string): Promise<RazorpayInvoice[]> {
    const { items } = await request<{ items: RazorpayInvoice[] }>('list invoices', 'GET', `/v1/invoices?subscription_id=${encodeURIComponent(subscriptionId)}`);
    return items.filter((invoice) => invoice.status === 'paid' && invoice.paid_at !== null).sort((a, b) => b.paid_at! - a.paid_at!);
  }

  return {
    name: 'razorpay',

    async startCheckout({ plan, account, attribution, offer }: CheckoutRequest): Promise<StartedCheckout> {
      const planId = await planIdFor(plan);
      // Razorpay's offers are made only in its dashboard: an introductory price needs one named.
      const offerId = offer?.price !== undefined ? offer.providers?.razorpay : undefined;
      if (offer?.price !== undefined && !offerId) {
        throw new PaymentsConfigError(`content/plans.json: offer "${offer.id}" has an introductory price, which Razorpay gives only through an offer made in its dashboard. Make one and name it in the offer's providers.razorpay (offer_…).`);
      }
      const created = await request<RazorpaySubscription>('start a subscription', 'POST', '/v1/subscriptions', {
        plan_id: planId,
        total_count: Math.max(1, Math.floor((YEARS_OF_RENEWALS * 12) / plan.months)),
        quantity: 1,
        customer_notify: 1,
        // A trial: the reader authorises the card now, and the first charge is at the trial's end.
        ...(offer?.trialDays ? { start_at: Math.floor(Date.now() / 1000) + offer.trialDays * 86_400 } : {}),
        ...(offerId ? { offer_id: offerId } : {}),
        notes: { plan: plan.id, ...(attribution ? { story: attribution.story, story_via: attribution.via } : {}), ...(offer ? { offer: offer.id } : {}) },
        ...(account?.customerId ? { customer_id: account.customerId } : {}),
        ...(account ? { notify_info: { notify_email: account.email } } : {}),
      });
      return { id: created.id, url: created.short_url, returns: 'separate' };
    },

    async readCheckout(id: string): Promise<CheckoutState> {
      const found = await subscription(id);
      return {
        id: found.id,
        paid: found.paid_count > 0 || inTrial(found),
        closed: found.paid_count === 0 && statusOf(found.status) === 'ended',
        email: found.customer_id ? await customerEmail(found.customer_id) : null,
        customerId: found.customer_id,
        subscriptionId: found.paid_count > 0 || inTrial(found) ? found.id : null,
      };
    },

    async readSubscription(id: string): Promise<SubscriptionState> {
      const found = await subscription(id);
      const status = inTrial(found) ? 'active' : statusOf(found.status);
      const [last] = await paidInvoices(id);
      const notes = notesOf(found.notes);
      return {
        id: found.id,
        customerId: found.customer_id,
        plan: notes['plan'],
        status,
        currentPeriodEnd: (status === 'ended' ? (found.ended_at ?? found.current_end) : inTrial(found) ? found.start_at : found.current_end) ?? 0,
        // A failed charge leaves the period where it was: the unpaid one began at its end.
        pastDueSince: status === 'past_due' ? found.current_end : null,
        // Razorpay's subscriptions do not say whether they end at the cycle's end.
        cancelAtPeriodEnd: undefined,
        lastPayment: last ? { at: last.paid_at!, amount: last.amount_paid, currency: last.currency } : null,
        nextCharge: nextChargeOf(found, notes),
        attribution: attributionFrom(notes['story'], notes['story_via']),
      };
    },

    customerEmail,

    // Razorpay has no page where subscribers manage billing; the account page cancels through the API.
    billingPage: async () => undefined,

    async setCancelAtPeriodEnd(subscriptionId: string, cancel: boolean): Promise<void> {
      // Razorpay cannot undo a cancellation; the account page holds the reader's wish until the
      // renewal is near (functions/payments/cancellations.ts), and only then asks for it.
      if (!cancel) throw new PaymentsConfigError('Razorpay cannot take back a cancellation once it has been sent');
      await request('cancel at the end of the cycle', 'POST', `/v1/subscriptions/${encodeURIComponent(subscriptionId)}/cancel`, { cancel_at_cycle_end: 1 });
    },

    async cancelAndRefund(subscriptionId: string): Promise<Refund> {
      let refunded: Refund = { amount: 0, currency: settings.currency };
      for (const invoice of await paidInvoices(subscriptionId)) {
        if (!invoice.payment_id) continue;
        const payment = await request<RazorpayPayment>('read a payment', 'GET', `/v1/payments/${encodeURIComponent(invoice.payment_id)}`);
        const left = payment.amount - payment.amount_refunded;
        // Checked first, so a retry after a partial failure never refunds twice.
        if (payment.status !== 'captured' || left <= 0) continue;
        await request('refund a payment', 'POST', `/v1/payments/${encodeURIComponent(payment.id)}/refund`, { amount: left });
        refunded = { amount: refunded.amount + left, currency: payment.currency };
      }
      const found = await subscription(subscriptionId);
      if (statusOf(found.status) !== 'ended') {
        await request('cancel a subscription', 'POST', `/v1/subscriptions/${encodeURIComponent(subscriptionId)}/cancel`, { cancel_at_cycle_end: 0 });
      }
      return refunded;
    },

    async verifyWebhook(body: string, headers: Headers): Promise<WebhookEvent> {
      const secret = env.RAZORPAY_WEBHOOK_SECRET?.trim();
      if (!secret) throw new PaymentsConfigError('RAZORPAY_WEBHOOK_SECRET is not set; see .dev.vars.example');
      const signature = headers.get('X-Razorpay-Signature');
      if (!signature || !(await razorpaySignatureMatches(body, signature, secret))) {
        throw new WebhookSignatureError('The Razorpay signature is missing or does not match the body');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        throw new WebhookSignatureError('The signed body is not JSON');
      }
      const { event: type, payload, created_at: createdAt } = (parsed ?? {}) as { event?: unknown; payload?: unknown; created_at?: unknown };
      if (typeof type !== 'string' || !Number.isSafeInteger(createdAt)) {
        throw new WebhookSignatureError('The signed body is not a Razorpay event: it has no event or created_at');
      }
      const entities = (payload && typeof payload === 'object' ? payload : {}) as Record<string, { entity?: { id?: unknown } | null } | null>;
      const entityId = (name: string) => {
        const id = entities[name]?.entity?.id;
        return typeof id === 'string' ? id : undefined;
      };
      // Razorpay signs neither a timestamp nor its X-Razorpay-Event-Id header, so a replayed body
      // could come under a new id: an event is known by what its signed body says instead. Two
      // deliveries that say the same thing would read the same state from Razorpay anyway.
      const id = [type, ...Object.keys(entities).sort().flatMap((name) => entityId(name) ?? []), createdAt].join(' ');
      if (!type.startsWith('subscription.')) return { id, type };
      const subscriptionId = entityId('subscription');
      if (!subscriptionId) return { id, type, unusable: 'its payload has no subscription entity with an id' };
      // A Razorpay subscription is its own checkout: its events may complete the purchase.
      return { id, type, subscriptionId, checkoutId: subscriptionId };
    },
  };
}
